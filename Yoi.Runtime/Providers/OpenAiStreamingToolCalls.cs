using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Yoi.Runtime.Providers;

/// <summary>
/// Adds a <see cref="ToolCallDeltaContent"/> to each streamed update of the OpenAI chat client for every tool-call
/// fragment of its Chat Completions chunk (<c>delta.tool_calls[]</c> by index: id and name first, then argument
/// text), so calls stream as events while Microsoft.Extensions.AI assembles the complete
/// <see cref="FunctionCallContent"/>s it delivers at the end of the response.
/// </summary>
internal sealed class OpenAiStreamingToolCalls(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var ids = new Dictionary<int, string>();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.RawRepresentation is StreamingChatCompletionUpdate chunk)
            {
                foreach (var fragment in chunk.ToolCallUpdates)
                {
                    string? name = null;
                    if (!ids.TryGetValue(fragment.Index, out var id))
                    {
                        if (string.IsNullOrEmpty(fragment.ToolCallId)) continue; // no id yet: nothing to name the call by
                        id = fragment.ToolCallId;
                        ids[fragment.Index] = id;
                        name = fragment.FunctionName ?? "";
                    }
                    var arguments = fragment.FunctionArgumentsUpdate is { } data && !data.IsEmpty ? data.ToString() : "";
                    update.Contents.Add(new ToolCallDeltaContent(id, name, arguments));
                }
            }
            yield return update;
        }
    }
}
