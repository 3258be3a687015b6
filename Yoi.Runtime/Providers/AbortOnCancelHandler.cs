using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Providers;

/// <summary>
/// Makes the run's cancellation (cancel, stop, idle timeout) abort a streamed response's body, not just the wait for
/// its headers. OllamaSharp reads the NDJSON lines without the token, and the token HttpClient hands a handler is
/// its own linked one, disposed once the headers are in; so the chat client (<see cref="Client"/>) puts the caller's
/// token in an async-local before each read, and the handler disposes the response when that token is cancelled:
/// the connection closes, the pending read fails, and the run loop sees the cancellation.
/// </summary>
internal sealed class AbortOnCancelHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private static readonly AsyncLocal<CancellationToken> Current = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        // The registration lives as long as the run loop's per-response token source, disposed when the response ends.
        if (Current.Value.CanBeCanceled) Current.Value.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        return response;
    }

    /// <summary>Wraps a chat client whose HTTP client uses <see cref="AbortOnCancelHandler"/>.</summary>
    public sealed class Client(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                Current.Value = cancellationToken;
                if (!await updates.MoveNextAsync()) yield break;
                yield return updates.Current;
            }
        }
    }
}
