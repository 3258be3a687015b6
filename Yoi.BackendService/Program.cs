using Microsoft.Extensions.Options;
using Yoi.BackendService;
using Yoi.EventLog;

WebApplication app;
try
{
    app = await BackendApp.BuildAsync(args);
}
catch (Exception ex) when (ex is OptionsValidationException or EventLogConfigurationException)
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
await app.RunAsync();
return 0;
