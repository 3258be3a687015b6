var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health", () => Results.Ok("Healthy"));
app.MapGet("/alive", () => Results.Ok("Healthy"));
app.Run();
