using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Yoi.Protocol;
using Yoi.Protocol.Api;
using Yoi.Protocol.Transcripts;
using Yoi.Protocol.Plugins;

namespace Yoi.BackendService.Registry;

/// <summary>
/// A runtime in another process: its <c>/v1</c> REST API at <c>baseUrl</c> over the pooled
/// <see cref="HttpClient"/> every remote runtime shares (<see cref="HttpClientName"/> from <see cref="IHttpClientFactory"/>),
/// bearer token, a per-call timeout. Transport and HTTP failures are mapped to
/// the codes of docs/protocol.md (REST API errors); exception messages of the HTTP stack (which name the URL) are never copied.
/// </summary>
public sealed class RemoteRuntimeSource(string runtimeId, HttpClient http, Uri baseUrl, string token, TimeSpan timeout) : IRuntimeSource
{
    public const int MaxResponseBytes = 16 * 1024 * 1024;
    /// <summary>The named client of <see cref="IHttpClientFactory"/> the Backend registers for its remote runtimes.</summary>
    public const string HttpClientName = "yoi-runtime";

    private readonly Uri _baseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    public string RuntimeId { get; } = runtimeId;
    public string Kind => RuntimeSourceKinds.Remote;

    public Task<RuntimeInfo> GetInfoAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "v1/runtime", null, ApiJsonContext.Default.RuntimeInfo, null, cancellationToken);

    public Task<WorkerList> ListWorkersAsync(int limit, WorkerListCursor? after, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/workers?limit={limit}" + (after is { } a ? "&after=" + Uri.EscapeDataString(a.ToString()) : ""), null,
            ApiJsonContext.Default.WorkerList, null, cancellationToken);

    public Task DeleteWorkerAsync(string workerId, CancellationToken cancellationToken) =>
        SendAsync<bool>(HttpMethod.Delete, $"v1/workers/{workerId}", null, null, workerId, cancellationToken);

    public Task<WorkerInfo> CreateWorkerAsync(CreateWorkerRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/workers", JsonContent(request, ApiJsonContext.Default.CreateWorkerRequest),
            ApiJsonContext.Default.WorkerInfo, null, cancellationToken);

    public Task<WorkerInfo> GetWorkerAsync(string workerId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/workers/{workerId}", null, ApiJsonContext.Default.WorkerInfo, workerId, cancellationToken);

    public Task<CommandAccepted> SendInputAsync(string workerId, string text, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"v1/workers/{workerId}/input", JsonContent(new InputRequest(text), ApiJsonContext.Default.InputRequest),
            ApiJsonContext.Default.CommandAccepted, workerId, cancellationToken);

    public Task<CommandAccepted> CancelAsync(string workerId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"v1/workers/{workerId}/cancel", null, ApiJsonContext.Default.CommandAccepted, workerId, cancellationToken);

    public Task<CommandAccepted> StopAsync(string workerId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"v1/workers/{workerId}/stop", null, ApiJsonContext.Default.CommandAccepted, workerId, cancellationToken);

    public Task<WorkerTranscript> GetTranscriptAsync(string workerId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/workers/{workerId}/transcript", null, ProtocolJsonContext.Default.WorkerTranscript, workerId, cancellationToken);

    public Task<PluginList> ListPluginsAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "v1/plugins", null, PluginJsonContext.Default.PluginList, null, cancellationToken);

    public Task<PluginStatus> GetPluginAsync(string pluginId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/plugins/{pluginId}", null, PluginJsonContext.Default.PluginStatus, null, cancellationToken,
            notFoundIsPassThrough: true);

    private static ByteArrayContent JsonContent<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>One call; <paramref name="typeInfo"/> null: a success answers no body (204) and returns default.</summary>
    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T>? typeInfo,
        string? workerId, CancellationToken cancellationToken, bool notFoundIsPassThrough = false)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(method, new Uri(_baseUrl, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutCts.Token);
            var body = await ReadBodyAsync(response, timeoutCts.Token);
            if (response.IsSuccessStatusCode)
            {
                if (typeInfo is null) return default!;
                try
                {
                    return JsonSerializer.Deserialize(body, typeInfo) ?? throw RuntimeSourceException.Error(RuntimeId);
                }
                catch (JsonException)
                {
                    throw RuntimeSourceException.Error(RuntimeId);
                }
            }
            throw MapStatus(response.StatusCode, body, workerId, notFoundIsPassThrough);
        }
        catch (RuntimeSourceException) { throw; }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw RuntimeSourceException.Timeout(RuntimeId);
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            throw RuntimeSourceException.Timeout(RuntimeId);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException)
        {
            // Open after sustained failures: the call was not sent.
            throw RuntimeSourceException.Unreachable(RuntimeId);
        }
        catch (HttpRequestException ex) when (ex.InnerException is TimeoutException)
        {
            throw RuntimeSourceException.Timeout(RuntimeId);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.ResponseEnded or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError
            || ex.InnerException is SocketException or IOException)
        {
            throw RuntimeSourceException.Unreachable(RuntimeId);
        }
        catch (HttpRequestException)
        {
            throw RuntimeSourceException.Error(RuntimeId);
        }
        catch (IOException)
        {
            throw RuntimeSourceException.Unreachable(RuntimeId);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes) throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private RuntimeSourceException MapStatus(HttpStatusCode status, byte[] body, string? workerId, bool notFoundIsPassThrough)
    {
        var code = ReadProblemCode(body);
        switch ((int)status)
        {
            case 401 or 403:
                return RuntimeSourceException.AuthFailed(RuntimeId);
            case 404 when workerId is not null:
                return RuntimeSourceException.WorkerNotFound(RuntimeId, workerId);
            case 404 when notFoundIsPassThrough:
                return new RuntimeSourceException(StatusCodes.Status404NotFound, code ?? ApiErrorCodes.NotFound, "Not found",
                    $"The runtime '{RuntimeId}' has no such resource.");
            case 404 or 405 or 501:
                return RuntimeSourceException.Unsupported(RuntimeId, "this operation");
            case 409:
                return RuntimeSourceException.Conflict(code ?? "conflict",
                    $"The runtime '{RuntimeId}' refused the command in the worker's current state ({code ?? "conflict"}).");
            case 503 when code == ApiErrorCodes.EventLogUnavailable:
                return RuntimeSourceException.EventLogUnavailable(RuntimeId);
            case 400 or 413 or 415 or 422:
                return RuntimeSourceException.InvalidRequest($"The runtime '{RuntimeId}' rejected the request ({code ?? "invalid_request"}).");
            default:
                return RuntimeSourceException.Error(RuntimeId);
        }
    }

    /// <summary>
    /// The problem's <c>code</c> when it is a plain identifier. The runtime's <c>detail</c> is never forwarded: the
    /// Backend writes its own, so nothing the runtime put there (a host name, a path) reaches a client.
    /// </summary>
    private static string? ReadProblemCode(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("code", out var c)
                && c.ValueKind == JsonValueKind.String && ResourceId.IsValid(c.GetString()) ? c.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
