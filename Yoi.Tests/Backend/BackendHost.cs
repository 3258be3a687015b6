using Yoi.EventLog.Storage;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yoi.BackendService;
using Yoi.Client;
using Yoi.EventLog;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Runtime.Streams;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;

namespace Yoi.Tests.Backend;

/// <summary>The real Backend app started in process on a loopback port, with configuration overrides.</summary>
public sealed class BackendHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BackendHost(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }
    public IServiceProvider Services => _app.Services;
    public IEventLog Log => Services.GetRequiredService<IEventLog>();

    public static async Task<BackendHost> StartAsync(IDictionary<string, string?> settings, int port = 0,
        Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(settings) { ["urls"] = $"http://127.0.0.1:{port}" };
        var app = await BackendApp.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(all);
            builder.WebHost.UseUrls(all["urls"]!);
            builder.Logging.ClearProviders();
            builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        return new BackendHost(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    /// <summary>A backend over the shared redis-server with one remote runtime <c>rt-1</c> (the fake) and a private key prefix.</summary>
    public static Task<(BackendHost Host, string Prefix)> StartWithRedisAsync(RedisServerFixture redis, FakeRuntime runtime,
        IDictionary<string, string?>? extra = null, int port = 0, Action<IServiceCollection>? services = null) =>
        StartWithRedisAsync(redis.ConnectionString, runtime, extra, port, services);

    /// <summary>The same over another redis-server (a private one a test stops and starts).</summary>
    public static async Task<(BackendHost Host, string Prefix)> StartWithRedisAsync(string redisConnectionString, FakeRuntime runtime,
        IDictionary<string, string?>? extra = null, int port = 0, Action<IServiceCollection>? services = null)
    {
        var prefix = RedisServerFixture.NewKeyPrefix();
        ClientEdgeRecorder.Secret(prefix);
        ClientEdgeRecorder.Secret(redisConnectionString);
        var settings = RemoteRuntimeSettings(redisConnectionString, runtime, prefix);
        settings["Backend:Runtimes:0:TimeoutSeconds"] = "5";
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>()) settings[k] = v;
        return (await StartAsync(settings, port, services), prefix);
    }

    /// <summary>Backend settings for one remote runtime (docs/configuration.md): its URL and token, over this Redis and key prefix.</summary>
    public static Dictionary<string, string?> RemoteRuntimeSettings(string redisConnectionString, string runtimeUrl, string token, string keyPrefix,
        string runtimeId = "rt-1") => new()
    {
        ["ConnectionStrings:redis"] = redisConnectionString,
        ["Backend:Runtimes:0:Id"] = runtimeId,
        ["Backend:Runtimes:0:Source"] = "remote",
        ["Backend:Runtimes:0:Token"] = token,
        ["Backend:Runtimes:0:BaseUrl"] = runtimeUrl,
        ["Backend:Runtimes:0:KeyPrefix"] = keyPrefix,
    };

    public static Dictionary<string, string?> RemoteRuntimeSettings(string redisConnectionString, FakeRuntime runtime, string keyPrefix) =>
        RemoteRuntimeSettings(redisConnectionString, runtime.Url, runtime.Token, keyPrefix, runtime.RuntimeId);

    internal static Dictionary<string, string?> RemoteRuntimeSettings(string redisConnectionString, RuntimeServiceHost runtime, string keyPrefix) =>
        RemoteRuntimeSettings(redisConnectionString, runtime.BaseAddress.ToString(), RuntimeServiceHost.Token, keyPrefix);

    public HttpClient Http() => new(new RecordingHandler()) { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };

    public YoiClient Client(string? apiKey = null) => new(Http(), apiKey);

    public Uri WsUri(string path) => new UriBuilder(new Uri(BaseUri, path)) { Scheme = "ws" }.Uri;

    public async Task<WsProbe> ConnectAsync(string path, string? apiKey = null, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        if (apiKey is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(WsUri(path), CancellationToken.None);
        return new WsProbe(socket);
    }

    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        catch (ObjectDisposedException) { }
        await _app.DisposeAsync();
    }
}

/// <summary>A raw observation WebSocket for tests: reads frames (recorded for the leak scan) and the close status.</summary>
public sealed class WsProbe(ClientWebSocket socket) : IDisposable
{
    public ClientWebSocket Socket { get; } = socket;
    /// <summary>Whether frames go to the <see cref="ClientEdgeRecorder"/> (off for bulk-load tests).</summary>
    public bool Record { get; set; } = true;

    /// <summary>The next frame, null on close, or null when nothing arrives within <paramref name="timeout"/>.</summary>
    public async Task<ObservationFrame?> TryNextAsync(TimeSpan timeout)
    {
        try
        {
            return await NextAsync(timeout);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The next frame, or null once the server closed (then <see cref="CloseStatus"/> is set).</summary>
    public async Task<ObservationFrame?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                ClientEdgeRecorder.Record("close " + Socket.CloseStatus + " " + Socket.CloseStatusDescription);
                if (Socket.State == WebSocketState.CloseReceived)
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return null;
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) break;
        }
        var bytes = message.ToArray();
        if (Record) ClientEdgeRecorder.Record(Encoding.UTF8.GetString(bytes));
        return ObservationFrame.Parse(bytes);
    }

    public async Task<T> NextAsync<T>(TimeSpan? timeout = null) where T : ObservationFrame =>
        await NextAsync(timeout) as T ?? throw new Xunit.Sdk.XunitException($"Expected a {typeof(T).Name}.");

    /// <summary>Reads until the server closes; returns the frames read before.</summary>
    public async Task<List<ObservationFrame>> ReadToCloseAsync(TimeSpan? timeout = null)
    {
        var frames = new List<ObservationFrame>();
        while (await NextAsync(timeout) is { } frame) frames.Add(frame);
        return frames;
    }

    public int? CloseStatus => (int?)Socket.CloseStatus;

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public void Dispose() => Socket.Dispose();
}

/// <summary>Appends events to a worker's stream the way a runtime does.</summary>
public static class TestEvents
{
    public static StreamKeys Keys(string prefix, string runtimeId = "rt-1") => new(prefix, runtimeId);

    public static async Task<List<StreamCursor>> AppendAsync(IEventLog log, string stream, params WorkerEvent[] events)
    {
        var ids = await log.AppendBatchAsync(stream, events.Select(e => (ReadOnlyMemory<byte>)WorkerEventJson.SerializeToUtf8Bytes(e)).ToList(),
            StreamRetention.Unbounded);
        return ids.ToList();
    }

    public static Task<List<StreamCursor>> AppendDeltasAsync(IEventLog log, string stream, int count, string prefix = "d") =>
        AppendAsync(log, stream, Enumerable.Range(0, count).Select(i => (WorkerEvent)new TextDeltaEvent($"{prefix}{i} ")).ToArray());

    /// <summary>
    /// About 32 MiB of 64 KiB deltas: far more than a connection's socket buffers hold, so a client that does not read
    /// leaves the server's send blocked and then overflows any small queue.
    /// </summary>
    public static async Task FloodAsync(IEventLog log, string stream)
    {
        var big = new TextDeltaEvent(new string('x', 64 * 1024));
        for (var batch = 0; batch < 20; batch++) await AppendAsync(log, stream, Enumerable.Repeat((WorkerEvent)big, 25).ToArray());
    }
}
