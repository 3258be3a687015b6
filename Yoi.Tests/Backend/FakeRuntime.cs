using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yoi.Protocol.Api;
using Yoi.Protocol.Plugins;

namespace Yoi.Tests.Backend;

/// <summary>
/// A real Kestrel server playing a Runtime's <c>/v1</c> API: checks the bearer token, knows a set of workers, and
/// lets a test override the answer (<see cref="Respond"/>) to play every failure of the error table in docs/protocol.md.
/// </summary>
public sealed class FakeRuntime : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeRuntime(WebApplication app, string runtimeId, string token)
    {
        _app = app;
        RuntimeId = runtimeId;
        Token = token;
    }

    public string RuntimeId { get; }
    public string Token { get; }
    public string Url { get; private set; } = "";
    public ConcurrentDictionary<string, WorkerInfo> Workers { get; } = new();
    public ConcurrentQueue<string> Requests { get; } = new();
    /// <summary>What <c>GET /v1/runtime</c> reports.</summary>
    public IReadOnlyList<string> Capabilities { get; set; } = [.. WithoutPlugins, RuntimeCapabilities.Plugins];

    /// <summary>Everything a runtime reports except <c>plugins</c>.</summary>
    public static readonly IReadOnlyList<string> WithoutPlugins =
    [
        RuntimeCapabilities.Workers, RuntimeCapabilities.Input, RuntimeCapabilities.Cancel, RuntimeCapabilities.Stop,
        RuntimeCapabilities.Transcript, RuntimeCapabilities.Events,
    ];
    private static readonly DateTimeOffset SampleTime = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The one plugin <c>GET /v1/plugins</c> reports: the real runtime's status document, every field set.</summary>
    public static readonly PluginStatus SamplePlugin = new("chat-bridge", "1.0.0", "Bridges a chat", true, "running", null,
        [new ConnectionStatus("chat", "ws://127.0.0.1:9/chat", "connected", SampleTime, null, 5, 3, 1, 0, 0, 0, 2, 0, 0)],
        new IngressStatus(64, 1, 0), 0,
        [new PluginDiagnostic(SampleTime, "reconnecting", "the chat closed")]);

    /// <summary>When set, answers every request instead of the default behaviour.</summary>
    public Func<HttpContext, Task>? Respond { get; set; }

    public static async Task<FakeRuntime> StartAsync(string runtimeId = "rt-1")
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeRuntime(app, runtimeId, token);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Url = app.Urls.First();
        ClientEdgeRecorder.Secret(fake.Url);
        ClientEdgeRecorder.Secret(new Uri(fake.Url).Authority);
        ClientEdgeRecorder.Secret(token);
        return fake;
    }

    public WorkerInfo AddWorker(string workerId)
    {
        var info = new WorkerInfo(workerId, RuntimeId, "idle", "scripted", DateTimeOffset.UtcNow);
        Workers[workerId] = info;
        return info;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        Requests.Enqueue(context.Request.Method + " " + path);
        if (Respond is { } respond)
        {
            await respond(context);
            return;
        }
        if (context.Request.Headers.Authorization != "Bearer " + Token)
        {
            await Problem(context, 401, "unauthorized");
            return;
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (context.Request.Method, parts)
        {
            case ("GET", ["v1", "runtime"]):
                await Json(context, 200, new RuntimeInfo(RuntimeId, "1.2.3", Capabilities,
                    new WorkerCounts(Workers.Count, Workers.Count, 0, 0)), ApiJsonContext.Default.RuntimeInfo);
                break;
            case ("GET", ["v1", "workers"]):
                await Json(context, 200, new WorkerList(Workers.Values.ToList()), ApiJsonContext.Default.WorkerList);
                break;
            case ("POST", ["v1", "workers"]):
                await Json(context, 201, AddWorker("w-" + Guid.NewGuid().ToString("N")[..8]), ApiJsonContext.Default.WorkerInfo);
                break;
            case ("GET", ["v1", "workers", var id]) when Workers.TryGetValue(id, out var worker):
                await Json(context, 200, worker, ApiJsonContext.Default.WorkerInfo);
                break;
            case ("POST", ["v1", "workers", var id, "input" or "cancel" or "stop"]) when Workers.ContainsKey(id):
                await Json(context, 202, new CommandAccepted(id, "run-1"), ApiJsonContext.Default.CommandAccepted);
                break;
            case ("GET", ["v1", "workers", var id, "transcript"]) when Workers.ContainsKey(id):
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"runtime_id":"fake","worker_id":"{{id}}","cursor":"0-0","status":"idle","transcript":[],"in_flight":[]}""");
                break;
            case ("GET", ["v1", "plugins"]):
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(
                    new PluginList([SamplePlugin]), PluginJsonContext.Default.PluginList));
                break;
            case ("GET", ["v1", "workers", ..]):
            case ("POST", ["v1", "workers", ..]):
                await Problem(context, 404, "worker_not_found");
                break;
            default:
                await Problem(context, 404, "not_found");
                break;
        }
    }

    public static async Task Problem(HttpContext context, int status, string code, string? detail = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["title"] = code,
            ["status"] = status,
            ["code"] = code,
            ["detail"] = detail ?? $"{code} (at {context.Request.Host})",
        }));
    }

    private static async Task Json<T>(HttpContext context, int status, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A TCP listener that accepts connections and never answers (plays a hung runtime).</summary>
public sealed class BlackHoleServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    public BlackHoleServer()
    {
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        ClientEdgeRecorder.Secret(Url);
        ClientEdgeRecorder.Secret(new Uri(Url).Authority);
        _ = AcceptLoopAsync();
    }

    public string Url { get; }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted) _accepted.Add(socket);
            }
        }
        catch (Exception) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted) foreach (var s in _accepted) s.Dispose();
    }
}
