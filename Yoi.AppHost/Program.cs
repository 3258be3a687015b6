using Yoi.AppHost.Topology;

// The topology (docs/configuration.md, "AppHost"): Redis, the runtimes rt-1..rt-N, the Backend in front of them.
AppHostOptions options;
try
{
    options = AppHostOptions.Load(args);
}
catch (OptionsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var builder = DistributedApplication.CreateBuilder(options.AspireArgs);
var redis = RedisTopology.Add(builder, options);

var backend = builder.AddProject<Projects.Yoi_BackendService>("backend")
    .WithHttpEndpoint(port: options.BackendPort == 0 ? null : options.BackendPort, name: "http")
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

for (var i = 0; i < options.Runtimes; i++)
{
    var id = $"rt-{i + 1}";
    var registry = $"Backend__Runtimes__{i}__";
    backend.WithEnvironment(registry + "Id", id);
    if (redis is null)
    {
        backend.WithEnvironment(registry + "Source", "embedded"); // the single-process topology
        continue;
    }

    var token = builder.AddParameter($"{id}-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
    var runtime = builder.AddProject<Projects.Yoi_RuntimeService>(id)
        .WithHttpEndpoint(name: "http")
        .WithHttpHealthCheck("/health")
        .WithEnvironment("Runtime__Id", id)
        .WithEnvironment("Runtime__Token", token)
        .WithReference(redis).WaitForRedis(redis)
        .WithRestartOnCrash();
    backend.WithEnvironment(registry + "Source", "remote")
        .WithEnvironment(registry + "Token", token)
        .WithReference(runtime).WaitFor(runtime);
}
if (redis is not null) backend.WithReference(redis).WaitForRedis(redis);

ReadyAnnouncement.Register(builder, backend);
await builder.Build().RunAsync();
return 0;
