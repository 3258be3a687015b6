using Yoi.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("runtime");
var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
