using Yoi.BackendService;
using Yoi.BackendService.Registry;
using Yoi.EventLog;

WebApplication app;
try
{
    app = await BackendApp.BuildAsync(args);
}
catch (BackendConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
catch (EventLogConfigurationException ex)
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
await app.RunAsync();
return 0;
