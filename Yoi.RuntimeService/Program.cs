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
try
{
    await app.RunAsync();
}
catch (InvalidOperationException ex) when (ex.Message.Contains("Runtime:Plugins", StringComparison.Ordinal))
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
return 0;
