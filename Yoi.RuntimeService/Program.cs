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
catch (OptionsValidationException ex) // Runtime:Plugins, checked against the installed plugins when the host starts
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
return 0;
