using Microsoft.Extensions.Options;
using Yoi.RuntimeService;

WebApplication app;
try
{
    app = RuntimeServiceApp.Build(args);
}
catch (Exception ex) when (ex is OptionsValidationException or Yoi.EventLog.EventLogConfigurationException)
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
