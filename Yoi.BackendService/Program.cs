using Yoi.BackendService;
using Yoi.BackendService.Registry;
using Yoi.EventLog.Redis;

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
catch (RedisException ex)
{
    Console.Error.WriteLine($"Cannot use the Redis server of ConnectionStrings:redis: {ex.Message}");
    return 1;
}
await app.RunAsync();
return 0;
