using Yoi.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("backend");
var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
