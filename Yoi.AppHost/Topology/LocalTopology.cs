using System.Security.Cryptography;
using Yoi.AppHost.Processes;

namespace Yoi.AppHost.Topology;

/// <summary>
/// The one-command local topology (SPEC 8): redis-server, N runtimes, the backend. Each service gets its settings
/// through the variables an Aspire AppHost would set, so it runs unchanged under a real one.
/// </summary>
internal sealed class LocalTopology(AppHostOptions options, TextWriter output) : IAsyncDisposable
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);
    private readonly List<ChildProcess> _started = [];

    public IReadOnlyList<ChildProcess> Processes => _started;

    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        if (ProcessSpawner.Shared.SetPriv is null)
            output.WriteLine("No setpriv on the PATH (util-linux): services are started directly and would outlive the AppHost if it were killed outright.");
        var redis = await ResolveRedisAsync(cancellationToken);
        var backendPort = options.BackendPort == 0 ? FreePort.Next() : options.BackendPort;
        var backendUrl = $"http://127.0.0.1:{backendPort}";
        var backendEnv = ServiceEnvironment("yoi-backend", null, backendUrl);
        if (redis is not null) backendEnv["ConnectionStrings__redis"] = redis;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var runtimes = new List<(ChildProcess Process, string Url)>();
        for (var i = 0; i < options.Runtimes; i++)
        {
            var id = $"rt-{i + 1}";
            var prefix = $"Backend__Runtimes__{i}__";
            backendEnv[prefix + "Id"] = id;
            if (redis is null)
            {
                backendEnv[prefix + "Source"] = "embedded";
                continue;
            }

            var url = $"http://127.0.0.1:{FreePort.Next()}";
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            var env = ServiceEnvironment("yoi-runtime", id, url);
            env["Runtime__Id"] = id;
            env["Runtime__Token"] = token;
            env["ConnectionStrings__redis"] = redis;
            runtimes.Add((Launch(id, ServiceBinaries.RuntimeService, env), url));

            backendEnv[prefix + "Source"] = "remote";
            backendEnv[prefix + "Token"] = token;
            backendEnv[$"services__{id}__http__0"] = url;
        }
        foreach (var (process, url) in runtimes)
            await HealthWaiter.WaitHealthyAsync(http, process, url, HealthTimeout, cancellationToken);

        var backend = Launch("backend", ServiceBinaries.BackendService, backendEnv);
        await HealthWaiter.WaitHealthyAsync(http, backend, backendUrl, HealthTimeout, cancellationToken);
        return backendUrl;
    }

    private async Task<string?> ResolveRedisAsync(CancellationToken cancellationToken)
    {
        if (options.InMemory) return null;
        if (options.Redis is not null) return options.Redis;
        var executable = RedisServerResource.FindExecutable();
        if (executable is null)
        {
            output.WriteLine("No redis-server on the PATH: running the single-process topology with the in-memory event log.");
            return null;
        }
        var (process, connectionString) = await RedisServerResource.StartAsync(
            executable, Path.Combine(options.DataDirectory, "redis"), output, cancellationToken);
        _started.Add(process);
        return connectionString;
    }

    private ChildProcess Launch(string name, string assembly, Dictionary<string, string?> environment)
    {
        var process = ChildProcess.Start(name, DotnetHost(), [assembly], environment, output);
        _started.Add(process);
        return process;
    }

    private static Dictionary<string, string?> ServiceEnvironment(string serviceName, string? instanceId, string url)
    {
        var env = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = url,
            ["ASPNETCORE_ENVIRONMENT"] = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Development",
            ["DOTNET_ENVIRONMENT"] = null,
            ["OTEL_SERVICE_NAME"] = serviceName,
        };
        if (instanceId is not null) env["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instanceId}";
        // Exporter and SDK settings (OTEL_EXPORTER_OTLP_*, OTEL_BSP_*, ...) reach every service as Aspire passes them.
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            var key = (string)variable.Key;
            if (key.StartsWith("OTEL_", StringComparison.Ordinal) && !env.ContainsKey(key)) env[key] = (string?)variable.Value;
        }
        return env;
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>Stops services in reverse start order (backend first, redis last).</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
            await _started[i].DisposeAsync();
        _started.Clear();
    }
}
