using Yoi.Runtime;
using Yoi.RuntimeService;

WebApplication app;
try
{
    app = RuntimeServiceApp.Build(args);
}
catch (RuntimeConfigurationException ex)
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
await app.RunAsync();
return 0;
