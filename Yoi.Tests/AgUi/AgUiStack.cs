using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Yoi.BackendService.AgUi;
using Yoi.Client;
using Yoi.RuntimeService;
using Yoi.Tests.Backend;
using Yoi.Tests.EventLog.Redis;

namespace Yoi.Tests.AgUi;

/// <summary>A real Runtime service (scripted provider) and a real Backend over the shared redis-server, on free ports.</summary>
public sealed class AgUiStack : IAsyncDisposable
{
    public const string ViewerKey = "viewer-key-0123456789";
    public const string OperatorKey = "operator-key-0123456789";

    private readonly WebApplication _runtime;

    private AgUiStack(WebApplication runtime, BackendHost backend)
    {
        _runtime = runtime;
        Backend = backend;
    }

    public BackendHost Backend { get; }

    /// <param name="withKeys">Configure a viewer and an operator key (else the open, keyless backend).</param>
    public static async Task<AgUiStack> StartAsync(RedisServerFixture redis, int deltaDelayMs = 1, bool withKeys = false,
        IDictionary<string, string?>? backendSettings = null, IDictionary<string, string?>? runtimeSettings = null)
    {
        var prefix = RedisServerFixture.NewKeyPrefix();
        var token = "runtime-token-" + Guid.NewGuid().ToString("N");
        ClientEdgeRecorder.Secret(token);
        ClientEdgeRecorder.Secret(prefix);
        var runtimeConfiguration = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Runtime:Id"] = "rt-1",
            ["Runtime:Token"] = token,
            ["Runtime:KeyPrefix"] = prefix,
            ["Runtime:Scripted:DeltaDelayMs"] = deltaDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
        };
        foreach (var (k, v) in runtimeSettings ?? new Dictionary<string, string?>()) runtimeConfiguration[k] = v;
        var runtime = RuntimeServiceApp.Build([], configuration => configuration.AddInMemoryCollection(runtimeConfiguration));
        await runtime.StartAsync();
        var runtimeUrl = runtime.Urls.First();
        ClientEdgeRecorder.Secret(runtimeUrl);
        var settings = BackendHost.RemoteRuntimeSettings(redis.ConnectionString, runtimeUrl, token, prefix);
        if (withKeys)
        {
            settings["Backend:ApiKeys:0:Key"] = ViewerKey;
            settings["Backend:ApiKeys:0:Role"] = "viewer";
            settings["Backend:ApiKeys:1:Key"] = OperatorKey;
            settings["Backend:ApiKeys:1:Role"] = "operator";
        }
        foreach (var (k, v) in backendSettings ?? new Dictionary<string, string?>()) settings[k] = v;
        try
        {
            return new AgUiStack(runtime, await BackendHost.StartAsync(settings));
        }
        catch
        {
            await runtime.DisposeAsync();
            throw;
        }
    }

    public YoiClient Client(string? key = null) => Backend.Client(key);

    public HttpClient Http(string? key = null)
    {
        var http = new HttpClient { BaseAddress = Backend.BaseUri, Timeout = Timeout.InfiniteTimeSpan };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>A RunAgentInput with one user message.</summary>
    public static string Input(string threadId, string text) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["threadId"] = threadId,
        ["runId"] = "client-run-" + Guid.NewGuid().ToString("N"),
        ["messages"] = new object[] { new Dictionary<string, string> { ["id"] = "m1", ["role"] = "user", ["content"] = text } },
        ["tools"] = Array.Empty<object>(),
        ["context"] = Array.Empty<object>(),
        ["state"] = new Dictionary<string, object>(),
        ["forwardedProps"] = new Dictionary<string, object>(),
    });

    /// <summary>POSTs the body and returns the response once its headers arrived (the body streams).</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public static async Task<HttpResponseMessage> GetEventsAsync(HttpClient http, string path, string? lastEventId, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Backend.DisposeAsync();
        await _runtime.StopAsync();
        await _runtime.DisposeAsync();
    }
}

/// <summary>An SSE event as a client reads it: its id and its AG-UI event.</summary>
public sealed record SseEvent(string? Id, string Data)
{
    public AgUiEvent Event { get; } = JsonSerializer.Deserialize(Data, AgUiJsonContext.Default.AgUiEvent)!;
}

/// <summary>Reads an SSE response event by event (comments skipped), with a deadline per event.</summary>
public sealed class SseReader(HttpResponseMessage response) : IDisposable
{
    private StreamReader? _reader;

    public List<SseEvent> Received { get; } = [];

    /// <summary>The next event; null at the end of the response.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan? timeout = null)
    {
        _reader ??= new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        string? id = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (data.Length == 0) continue;
                var e = new SseEvent(id, data.ToString());
                Received.Add(e);
                return e;
            }
            if (line.StartsWith(':') || line.StartsWith("retry: ", StringComparison.Ordinal)) continue;
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Append(line[6..]);
            else throw new Xunit.Sdk.XunitException($"Unexpected SSE line: {line}");
        }
    }

    /// <summary>Reads until an event matches (included); fails at the end of the response.</summary>
    public async Task<List<SseEvent>> ReadUntilAsync(Func<AgUiEvent, bool> last, TimeSpan? timeout = null)
    {
        var read = new List<SseEvent>();
        while (true)
        {
            var e = await NextAsync(timeout) ?? throw new Xunit.Sdk.XunitException(
                $"The stream ended after {string.Join(", ", Received.Select(r => r.Event.Type))}.");
            read.Add(e);
            if (last(e.Event)) return read;
        }
    }

    /// <summary>Reads to the end of the response.</summary>
    public async Task<List<SseEvent>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var read = new List<SseEvent>();
        while (await NextAsync(timeout) is { } e) read.Add(e);
        return read;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        response.Dispose();
    }
}
