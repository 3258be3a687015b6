using Yoi.BackendService;
using Yoi.BackendService.Registry;

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
catch (Yoi.ServiceDefaults.ServiceConfigurationException ex)
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
catch (Yoi.EventLog.EventLogConfigurationException ex)
{
    Console.Error.WriteLine($"Invalid configuration: {ex.Message}");
    return 1;
}
await app.RunAsync();
return 0;
