using System.Text.Json;
using Microsoft.Extensions.AI;
using Yoi.Protocol.Transcripts;

namespace Yoi.Runtime.Providers;

/// <summary>
/// The conversation a model sees, rebuilt from a worker's durable transcript (so a restarted runtime continues it):
/// the worker's instructions as the system message, then each user entry, and each assistant entry as the model
/// responses of its run. Within an assistant entry, text and the calls after it form one response, the calls'
/// results follow as one tool message, and text after results begins the next response. Only calls that have a
/// result are replayed (a model rejects a call without its answer); thinking is not replayed.
/// </summary>
public static class ConversationHistory
{
    public static List<ChatMessage> Build(string? instructions, IEnumerable<TranscriptEntry> transcript)
    {
        var messages = new List<ChatMessage>();
        if (instructions is { Length: > 0 }) messages.Add(new ChatMessage(ChatRole.System, instructions));
        foreach (var entry in transcript)
        {
            switch (entry)
            {
                case UserEntry user:
                    messages.Add(new ChatMessage(ChatRole.User, user.Text));
                    break;
                case AssistantEntry assistant:
                    AddAssistant(messages, assistant);
                    break;
            }
        }
        return messages;
    }

    private static void AddAssistant(List<ChatMessage> messages, AssistantEntry entry)
    {
        List<AIContent> response = [];
        List<AIContent> results = [];
        foreach (var part in entry.Parts)
        {
            switch (part)
            {
                case TextPart { Text.Length: > 0 } text:
                    if (results.Count > 0) Flush();
                    response.Add(new TextContent(text.Text));
                    break;
                case ToolCallPart { Output: not null } call:
                    response.Add(new FunctionCallContent(call.Id, call.Name, ParseArguments(call.Arguments)));
                    results.Add(ToolResults.Content(call.Id, new Tools.ToolOutput(call.Output, call.IsError)));
                    break;
            }
        }
        Flush();

        void Flush()
        {
            if (response.Count > 0) messages.Add(new ChatMessage(ChatRole.Assistant, response));
            if (results.Count > 0) messages.Add(new ChatMessage(ChatRole.Tool, results));
            response = [];
            results = [];
        }
    }

    /// <summary>A call's JSON arguments as a dictionary; arguments that are not a JSON object give an empty one.</summary>
    public static Dictionary<string, object?> ParseArguments(string json)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                foreach (var property in document.RootElement.EnumerateObject()) arguments[property.Name] = property.Value.Clone();
        }
        catch (JsonException)
        {
            // The model sent arguments that are not JSON; the call is replayed without them (its result says why).
        }
        return arguments;
    }
}
