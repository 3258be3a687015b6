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

    /// <summary>Every (secret, recorded text) pair where the text carries the secret (<see cref="Carries"/>).</summary>
    public static IEnumerable<(string Secret, string Text)> Leaks() =>
        from text in Seen.ToArray()
        from secret in Secrets.Keys
        where Carries(text, secret)
        select (secret, text);

    /// <summary>
    /// Whether <paramref name="text"/> carries <paramref name="secret"/> as a whole token: where the secret begins or
    /// ends with a letter or digit, the text must not continue it with another one. So a Redis port <c>36261</c> is
    /// found in <c>127.0.0.1:36261</c> or <c>port 36261</c> but not inside a hex trace id (<c>..a36261b..</c>), and a
    /// key prefix ending in <c>:</c> is still found at the start of a stream key. Case-insensitive.
    /// </summary>
    public static bool Carries(string text, string secret)
    {
        for (var at = text.IndexOf(secret, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = text.IndexOf(secret, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + secret.Length;
            var cleanStart = !char.IsAsciiLetterOrDigit(secret[0]) || at == 0 || !char.IsAsciiLetterOrDigit(text[at - 1]);
            var cleanEnd = !char.IsAsciiLetterOrDigit(secret[^1]) || end == text.Length || !char.IsAsciiLetterOrDigit(text[end]);
            if (cleanStart && cleanEnd) return true;
        }
        return false;
    }
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
