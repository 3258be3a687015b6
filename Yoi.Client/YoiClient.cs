using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Yoi.Client.Observation;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Plugins;
using Yoi.Protocol.Transcripts;

namespace Yoi.Client;

/// <summary>
/// Typed calls of the Backend's <c>/api</c> (docs/protocol.md). <paramref name="http"/> has the Backend's base address;
/// <paramref name="apiKey"/>, when given, is sent as <c>Authorization: Bearer</c> (and on observation WebSockets).
/// Failures throw <see cref="YoiApiException"/> with the problem's status and code. In an application, register it with
/// <c>services.AddYoiClient(o => ...)</c> (a typed <see cref="HttpClient"/> with the key set by a handler).
/// </summary>
public sealed class YoiClient
{
    private readonly bool _keyOnRequests;
    private readonly ObserverOptions? _observerDefaults;

    public YoiClient(HttpClient http, string? apiKey = null) : this(http, apiKey, keyOnRequests: true, observerDefaults: null) { }

    internal YoiClient(HttpClient http, string? apiKey, bool keyOnRequests, ObserverOptions? observerDefaults)
    {
        ArgumentNullException.ThrowIfNull(http);
        Http = http;
        ApiKey = apiKey;
        _keyOnRequests = keyOnRequests;
        _observerDefaults = observerDefaults;
    }

    public HttpClient Http { get; }
    public string? ApiKey { get; }

    /// <summary>The caller's role and, per runtime, the commands it may send (<c>GET /api/session</c>).</summary>
    public Task<ClientSession> GetSessionAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/session", null, ApiJsonContext.Default.ClientSession, cancellationToken);

    public Task<RuntimeList> ListRuntimesAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "api/runtimes", null, ApiJsonContext.Default.RuntimeList, cancellationToken);

    public Task<RuntimeInfo> GetRuntimeAsync(string runtimeId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/runtimes/{E(runtimeId)}", null, ApiJsonContext.Default.RuntimeInfo, cancellationToken);

    /// <summary>The first page of a runtime's workers (oldest first); <see cref="ReadWorkersAsync"/> reads them all.</summary>
    public Task<WorkerList> ListWorkersAsync(string runtimeId, CancellationToken cancellationToken = default) =>
        ListWorkersAsync(runtimeId, limit: null, after: null, cancellationToken);

    /// <summary>One page of workers after <paramref name="after"/> (a page's <c>next_cursor</c>).</summary>
    public Task<WorkerList> ListWorkersAsync(string runtimeId, int? limit, string? after, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (limit is { } l) query.Add("limit=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (after is not null) query.Add("after=" + Uri.EscapeDataString(after));
        return SendAsync(HttpMethod.Get, $"api/runtimes/{E(runtimeId)}/workers" + (query.Count > 0 ? "?" + string.Join('&', query) : ""),
            null, ApiJsonContext.Default.WorkerList, cancellationToken);
    }

    /// <summary>Every worker of the runtime, page by page, oldest first.</summary>
    public async IAsyncEnumerable<WorkerInfo> ReadWorkersAsync(string runtimeId, int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        do
        {
            var page = await ListWorkersAsync(runtimeId, pageSize, after, cancellationToken);
            foreach (var worker in page.Workers) yield return worker;
            after = page.NextCursor;
        } while (after is not null);
    }

    public Task<WorkerInfo> CreateWorkerAsync(string runtimeId, CreateWorkerRequest? request = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/runtimes/{E(runtimeId)}/workers",
            Json(request ?? new CreateWorkerRequest(), ApiJsonContext.Default.CreateWorkerRequest), ApiJsonContext.Default.WorkerInfo, cancellationToken);

    public Task<WorkerInfo> GetWorkerAsync(string runtimeId, string workerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, WorkerPath(runtimeId, workerId), null, ApiJsonContext.Default.WorkerInfo, cancellationToken);

    public Task<CommandAccepted> SendInputAsync(string runtimeId, string workerId, string text, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, WorkerPath(runtimeId, workerId) + "/input", Json(new InputRequest(text), ApiJsonContext.Default.InputRequest),
            ApiJsonContext.Default.CommandAccepted, cancellationToken);

    public Task<CommandAccepted> CancelAsync(string runtimeId, string workerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, WorkerPath(runtimeId, workerId) + "/cancel", EmptyJson(), ApiJsonContext.Default.CommandAccepted, cancellationToken);

    public Task<CommandAccepted> StopAsync(string runtimeId, string workerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, WorkerPath(runtimeId, workerId) + "/stop", EmptyJson(), ApiJsonContext.Default.CommandAccepted, cancellationToken);

    /// <summary>The worker's transcript and the cursor it is complete up to (resume observation or paging from it).</summary>
    public Task<WorkerTranscript> GetTranscriptAsync(string runtimeId, string workerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, WorkerPath(runtimeId, workerId) + "/transcript", null, ProtocolJsonContext.Default.WorkerTranscript, cancellationToken);

    /// <summary>The runtime's service plugins with their connections, ingress and diagnostics.</summary>
    public Task<PluginList> ListPluginsAsync(string runtimeId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/runtimes/{E(runtimeId)}/plugins", null, PluginJsonContext.Default.PluginList, cancellationToken);

    public Task<PluginStatus> GetPluginAsync(string runtimeId, string pluginId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/runtimes/{E(runtimeId)}/plugins/{E(pluginId)}", null, PluginJsonContext.Default.PluginStatus, cancellationToken);

    /// <summary>A page of events after <paramref name="after"/> (from the start when null).</summary>
    public async Task<EventPage> GetEventsAsync(string runtimeId, string workerId, StreamCursor? after = null, int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (after is { } a) query.Add("after=" + a);
        if (limit is { } l) query.Add("limit=" + l);
        var path = WorkerPath(runtimeId, workerId) + "/events" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var body = await SendRawAsync(HttpMethod.Get, path, null, cancellationToken);
        return EventPage.Parse(body);
    }

    /// <summary>
    /// Every stored event after <paramref name="after"/> (from the first retained one when null), page by page
    /// (<paramref name="pageSize"/> each) until the newest: the REST face of the stream, no WebSocket. A gap
    /// (<c>cursor_expired</c>) or a foreign cursor throws <see cref="YoiApiException"/> as a page would.
    /// </summary>
    public async IAsyncEnumerable<ObservationFrame> ReadEventsAsync(string runtimeId, string workerId, StreamCursor? after = null,
        int pageSize = 100, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursor = after;
        while (true)
        {
            var page = await GetEventsAsync(runtimeId, workerId, cursor, pageSize, cancellationToken);
            foreach (var frame in page.Events) yield return frame;
            if (page.NextCursor is not { } next) yield break; // null: an empty page, nothing newer
            cursor = next;
        }
    }

    /// <summary>A resumable observer of one worker; starts with a snapshot unless <paramref name="cursor"/> is given.</summary>
    public WorkerObserver ObserveWorker(string runtimeId, string workerId, StreamCursor? cursor = null, ObserverOptions? options = null) =>
        new(WebSocketUri(WorkerPath(runtimeId, workerId) + "/events/ws"), ApiKey, runtimeId, workerId, cursor, options ?? _observerDefaults);

    /// <summary>A resumable observer of a runtime's lifecycle stream (a snapshot of its workers, then live, unless <paramref name="cursor"/> is given).</summary>
    public RuntimeObserver ObserveRuntime(string runtimeId, StreamCursor? cursor = null, ObserverOptions? options = null) =>
        new(WebSocketUri($"api/runtimes/{E(runtimeId)}/events/ws"), ApiKey, runtimeId, cursor, options ?? _observerDefaults);

    private Uri WebSocketUri(string path)
    {
        var baseUri = Http.BaseAddress ?? throw new InvalidOperationException("The HttpClient needs a BaseAddress.");
        var builder = new UriBuilder(new Uri(baseUri, path)) { Scheme = baseUri.Scheme == "https" ? "wss" : "ws" };
        return builder.Uri;
    }

    private static string E(string id) => Uri.EscapeDataString(id);
    private static string WorkerPath(string runtimeId, string workerId) => $"api/runtimes/{E(runtimeId)}/workers/{E(workerId)}";

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>No body, typed <c>application/json</c>: the Backend refuses untyped state-changing requests (docs/security.md).</summary>
    private static ByteArrayContent EmptyJson()
    {
        var content = new ByteArrayContent([]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken)
    {
        var body = await SendRawAsync(method, path, content, cancellationToken);
        return JsonSerializer.Deserialize(body, typeInfo)
            ?? throw new YoiApiException(0, "invalid_response", "Invalid response", "The backend answered null.");
    }

    private async Task<byte[]> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (_keyOnRequests && ApiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using var response = await Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw YoiApiException.FromProblem((int)response.StatusCode, body);
        return body;
    }
}
