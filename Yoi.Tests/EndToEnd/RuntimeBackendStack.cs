using Yoi.Tests.Backend;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.EndToEnd;

/// <summary>
/// What the console and CLI tests run against: the real Runtime service (<c>rt-1</c>) and the real Backend, both on loopback ports
/// over the shared redis-server with a private key prefix. The Backend can be stopped and started again on the same
/// port (the page keeps its origin) while the Runtime goes on writing events to Redis.
/// </summary>
internal sealed class RuntimeBackendStack : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _backendSettings;
    private int _port;

    private RuntimeBackendStack(RuntimeServiceHost runtime, Dictionary<string, string?> backendSettings)
    {
        Runtime = runtime;
        _backendSettings = backendSettings;
    }

    public RuntimeServiceHost Runtime { get; }
    public BackendHost? Backend { get; private set; }
    public Uri BaseUri => Backend?.BaseUri ?? new Uri($"http://127.0.0.1:{_port}/");

    public static async Task<RuntimeBackendStack> StartAsync(RedisServerFixture redis, IDictionary<string, string?>? backendSettings = null,
        int deltaDelayMs = 5)
    {
        var prefix = RedisServerFixture.NewKeyPrefix();
        var runtime = await RuntimeServiceHost.StartAsync(
            ("ConnectionStrings:redis", redis.ConnectionString),
            ("Runtime:Id", "rt-1"),
            ("Runtime:KeyPrefix", prefix),
            ("Runtime:Scripted:DeltaDelayMs", deltaDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        ClientEdgeRecorder.Secret(prefix);
        ClientEdgeRecorder.Secret(runtime.BaseAddress.ToString().TrimEnd('/'));
        var settings = BackendHost.RemoteRuntimeSettings(redis.ConnectionString, runtime, prefix);
        settings["Backend:Runtimes:0:TimeoutSeconds"] = "10";
        foreach (var (k, v) in backendSettings ?? new Dictionary<string, string?>()) settings[k] = v;
        var stack = new RuntimeBackendStack(runtime, settings);
        await stack.StartBackendAsync();
        return stack;
    }

    /// <summary>Starts the Backend: on a free port the first time, then on the same port again.</summary>
    public async Task StartBackendAsync()
    {
        Backend = await BackendHost.StartAsync(_backendSettings, _port);
        _port = Backend.BaseUri.Port;
    }

    /// <summary>Stops the Backend (its WebSockets close 1001, then the port refuses connections).</summary>
    public async Task StopBackendAsync()
    {
        if (Backend is null) return;
        await Backend.DisposeAsync();
        Backend = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopBackendAsync();
        await Runtime.DisposeAsync();
    }
}
