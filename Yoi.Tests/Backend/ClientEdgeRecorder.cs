using System.Collections.Concurrent;

namespace Yoi.Tests.Backend;

/// <summary>
/// Everything the backend tests saw at the client edge (response headers and bodies, WebSocket frames and close
/// descriptions), and the internal secrets those tests configured (runtime URLs, tokens, Redis address, key
/// prefixes), so one test can check that no secret ever reached a client.
/// </summary>
public static class ClientEdgeRecorder
{
    private static readonly ConcurrentQueue<string> Seen = new();
    private static readonly ConcurrentDictionary<string, byte> Secrets = new();

    public static void Record(string text) => Seen.Enqueue(text);
    public static void Secret(string? value)
    {
        if (!string.IsNullOrEmpty(value)) Secrets.TryAdd(value, 0);
    }

    public static int Count => Seen.Count;
    public static IReadOnlyCollection<string> AllSecrets => Secrets.Keys.ToList();

    /// <summary>Every (secret, recorded text) pair where the text contains the secret.</summary>
    public static IEnumerable<(string Secret, string Text)> Leaks() =>
        from text in Seen.ToArray()
        from secret in Secrets.Keys
        where text.Contains(secret, StringComparison.OrdinalIgnoreCase)
        select (secret, text);
}

/// <summary>Records every response (status line, headers, body) that passes through an HttpClient.</summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(",", h.Value)));
        ClientEdgeRecorder.Record($"{(int)response.StatusCode}\n{headers}\n{body}");
        return response;
    }
}
