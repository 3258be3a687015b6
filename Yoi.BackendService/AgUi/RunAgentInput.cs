using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// The body of an AG-UI run request (<c>RunAgentInput</c> of <c>@ag-ui/core</c>): <see cref="ThreadId"/>,
/// <see cref="RunId"/> and <see cref="Messages"/> are required. The Backend reads the newest user message as the
/// worker's input; tools, context, state and forwarded properties are accepted and not used (a Yoi worker has its own
/// tools and keeps its own history).
/// </summary>
public sealed record RunAgentInput(
    [property: JsonPropertyName("threadId")] string? ThreadId,
    [property: JsonPropertyName("runId")] string? RunId,
    [property: JsonPropertyName("messages")] IReadOnlyList<JsonElement>? Messages,
    [property: JsonPropertyName("tools")] IReadOnlyList<JsonElement>? Tools = null,
    [property: JsonPropertyName("context")] IReadOnlyList<JsonElement>? Context = null,
    [property: JsonPropertyName("state")] JsonElement? State = null,
    [property: JsonPropertyName("forwardedProps")] JsonElement? ForwardedProps = null,
    [property: JsonPropertyName("parentRunId")] string? ParentRunId = null)
{
    /// <summary>
    /// The text of the newest message with role <c>user</c> (a string content, or the <c>text</c> parts of a content
    /// array joined), or the reason there is none to run.
    /// </summary>
    public bool TryGetNewestUserText(out string text, out string? error)
    {
        text = "";
        error = null;
        if (ThreadId is null || RunId is null || Messages is null)
        {
            error = "A RunAgentInput needs 'threadId', 'runId' and 'messages'.";
            return false;
        }
        for (var i = Messages.Count - 1; i >= 0; i--)
        {
            var message = Messages[i];
            if (message.ValueKind != JsonValueKind.Object) continue;
            if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || role.GetString() != "user") continue;
            if (!message.TryGetProperty("content", out var content))
            {
                error = "The newest user message has no 'content'.";
                return false;
            }
            text = content.ValueKind switch
            {
                JsonValueKind.String => content.GetString()!,
                JsonValueKind.Array => JoinTextParts(content),
                _ => "",
            };
            if (string.IsNullOrWhiteSpace(text))
            {
                error = "The newest user message has no text.";
                return false;
            }
            return true;
        }
        error = "The messages hold no user message to run.";
        return false;
    }

    private static string JoinTextParts(JsonElement parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString() == "text" && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                text.Append(value.GetString());
        }
        return text.ToString();
    }
}
