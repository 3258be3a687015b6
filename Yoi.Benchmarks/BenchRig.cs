using Yoi.EventLog.Storage;
using System.Globalization;
using Yoi.Client;
using StackExchange.Redis;
using Yoi.EventLog.Redis;
using Yoi.Runtime.Streams;

namespace Yoi.Benchmarks;

/// <summary>A private redis-server, a real Runtime service (rt-1) and a real Backend observing it, as child processes.</summary>
internal sealed class BenchRig : IAsyncDisposable
{
    public const string RuntimeId = "rt-1";
    private const string Token = "bench-runtime-token-0123456789";

    private RedisServerProcess? _redis;
    public ServiceProcess Runtime { get; private set; } = null!;
    public ServiceProcess Backend { get; private set; } = null!;
    public RedisEventLog Log { get; private set; } = null!;
    /// <summary>The benchmark's own multiplexer (the event log above and the counting below use it).</summary>
    public ConnectionMultiplexer Redis { get; private set; } = null!;
    public IDatabase Counter => Redis.GetDatabase();
    public YoiClient Api { get; private set; } = null!;
    public StreamKeys Keys { get; } = new(StreamKeys.DefaultPrefix, RuntimeId);
    public string RedisEndpoint { get; private set; } = "";
    public int RedisPort { get; private set; }
    /// <summary>connected_clients before the Backend started (the runtime's and the benchmark's own connections).</summary>
    public long BaselineConnections { get; private set; }

    public static async Task<BenchRig> StartAsync(int queueCapacity = 1024)
    {
        var rig = new BenchRig();
        try
        {
            rig._redis = await RedisServerProcess.StartAsync();
            rig.RedisPort = rig._redis.Port;
            rig.RedisEndpoint = $"127.0.0.1:{rig._redis.Port.ToString(CultureInfo.InvariantCulture)}";
            rig.Redis = await ConnectionMultiplexer.ConnectAsync(rig.RedisEndpoint + ",allowAdmin=true");
            rig.Log = new RedisEventLog(rig.Redis);
            rig.Runtime = await ServiceProcess.StartAsync("runtime", "Yoi.RuntimeService", new Dictionary<string, string>
            {
                ["Runtime__Id"] = RuntimeId,
                ["Runtime__Token"] = Token,
                ["ConnectionStrings__redis"] = rig.RedisEndpoint,
                ["Runtime__MaxWorkers"] = "100000", // the connection-count scenario (docs/benchmarks.md) creates 1,000 workers on top of the other scenarios
            }, TimeSpan.FromSeconds(60));
            await Task.Delay(200);
            rig.BaselineConnections = await rig.ConnectedClientsAsync();
            var backendEnvironment = new Dictionary<string, string>
            {
                ["Backend__Observation__ClientQueueCapacity"] = queueCapacity.ToString(CultureInfo.InvariantCulture),
            };
            rig.Backend = await rig.StartBackendAsync("backend", backendEnvironment);
            rig.Api = new YoiClient(new HttpClient { BaseAddress = rig.Backend.Url, Timeout = TimeSpan.FromSeconds(30) });
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>A Backend process observing rt-1 (the rig's own, or an extra one for a scenario).</summary>
    public Task<ServiceProcess> StartBackendAsync(string name, IReadOnlyDictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__redis"] = RedisEndpoint,
            ["Backend__Runtimes__0__Id"] = RuntimeId,
            ["Backend__Runtimes__0__Source"] = "remote",
            ["Backend__Runtimes__0__Token"] = Token,
            [$"services__{RuntimeId}__http__0"] = Runtime.Url.ToString().TrimEnd('/'),
        };
        foreach (var (key, value) in extra) environment[key] = value;
        AddExperimentEnvironment(environment);
        return ServiceProcess.StartAsync(name, "Yoi.BackendService", environment, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// The bare-Kestrel floor (this benchmark's floor-server mode) with the Backend's GC settings: the GC properties of
    /// the Backend's runtimeconfig.json as DOTNET_ environment (which the runtime reads before runtimeconfig), then the
    /// scenario's and the experiment's environment, as for a Backend.
    /// </summary>
    public Task<ServiceProcess> StartFloorAsync(string name, IReadOnlyDictionary<string, string> extra)
    {
        var environment = BackendGcEnvironment();
        foreach (var (key, value) in extra) environment[key] = value;
        AddExperimentEnvironment(environment);
        return ServiceProcess.StartDllAsync(name, typeof(BenchRig).Assembly.Location, ["floor-server"], environment, TimeSpan.FromSeconds(60));
    }

    private static Dictionary<string, string> BackendGcEnvironment()
    {
        var config = Path.ChangeExtension(ServiceProcess.LocateDll("Yoi.BackendService"), ".runtimeconfig.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
        var properties = document.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var p) ? p : default;
        string? Property(string key) => properties.ValueKind == System.Text.Json.JsonValueKind.Object && properties.TryGetProperty(key, out var v)
            ? v.ValueKind switch
            {
                System.Text.Json.JsonValueKind.True => "1",
                System.Text.Json.JsonValueKind.False => "0",
                System.Text.Json.JsonValueKind.Number => v.GetInt64().ToString("x", CultureInfo.InvariantCulture),
                _ => null,
            }
            : null;
        // The runtime's defaults where the Backend's config says nothing (the benchmark's own config differs).
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_gcServer"] = Property("System.GC.Server") ?? "0",
            ["DOTNET_gcConcurrent"] = Property("System.GC.Concurrent") ?? "1",
        };
        foreach (var (key, variable) in new[] { ("System.GC.HeapCount", "DOTNET_GCHeapCount"), ("System.GC.ConserveMemory", "DOTNET_GCConserveMemory"),
                     ("System.GC.HeapHardLimit", "DOTNET_GCHeapHardLimit"), ("System.GC.DynamicAdaptationMode", "DOTNET_GCDynamicAdaptationMode"),
                     ("System.GC.RetainVM", "DOTNET_GCRetainVM"), ("System.GC.NoAffinitize", "DOTNET_GCNoAffinitize") })
            if (Property(key) is { } value) environment[variable] = value;
        return environment;
    }

    private static void AddExperimentEnvironment(Dictionary<string, string> environment)
    {
        // Experiments: YOI_BENCH_BACKEND_ENV="KEY=VALUE;KEY2=VALUE2" adds environment to every Backend process (the idle-memory scenario's too).
        foreach (var pair in (Environment.GetEnvironmentVariable("YOI_BENCH_BACKEND_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=');
            if (at > 0) environment[pair[..at]] = pair[(at + 1)..];
        }
    }

    public Uri WorkerWs(string workerId, ServiceProcess? backend = null) =>
        new($"ws://{(backend ?? Backend).Url.Authority}/api/runtimes/{RuntimeId}/workers/{workerId}/events/ws");

    /// <summary>Creates a worker through the Backend (which calls the Runtime's REST API).</summary>
    public async Task<string> CreateWorkerAsync() => (await Api.CreateWorkerAsync(RuntimeId)).WorkerId;

    /// <summary>The Backend's Redis connections: INFO connected_clients minus the baseline, and counted from /proc.</summary>
    public async Task<(long FromInfo, int FromProc)> BackendRedisConnectionsAsync() =>
        (await ConnectedClientsAsync() - BaselineConnections, Backend.ConnectionsTo(RedisPort));

    /// <summary>INFO clients' connected_clients.</summary>
    public async Task<long> ConnectedClientsAsync()
    {
        var info = await Redis.GetServer(Redis.GetEndPoints()[0]).InfoAsync("clients");
        return long.Parse(info.SelectMany(g => g).Single(p => p.Key == "connected_clients").Value, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (Backend is not null) await Backend.DisposeAsync();
        if (Runtime is not null) await Runtime.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
