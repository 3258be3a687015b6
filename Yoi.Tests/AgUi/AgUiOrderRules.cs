using Yoi.BackendService.AgUi;

namespace Yoi.Tests.AgUi;

/// <summary>
/// The order rules of the AG-UI client's verifier (<c>verifyEvents</c> of <c>@ag-ui/client</c> 1.0), for the events the
/// Backend sends: a message, reasoning span, reasoning message or tool call is started before its content and end, not
/// started twice while open, and everything is ended before <c>RUN_FINISHED</c>; nothing but <c>RUN_STARTED</c> follows
/// a run's end and no <c>RUN_STARTED</c> comes while a run is open. A thread stream (<paramref name="threadStream"/>)
/// may also carry thread-level events (snapshots, <c>CUSTOM</c>, user messages, <c>RAW</c>) between runs.
/// </summary>
public static class AgUiOrderRules
{
    public static void Check(IReadOnlyList<AgUiEvent> events, bool threadStream, IEnumerable<string>? seededOpenMessages = null)
    {
        var messages = new HashSet<string>(seededOpenMessages ?? []);
        var spans = new HashSet<string>();
        var reasoning = new HashSet<string>();
        var tools = new HashSet<string>();
        var inRun = false;
        var ended = false;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var at = $"event {i} ({e.Type})";
            if (!threadStream)
            {
                if (i == 0 && e is not (RunStarted or RunError)) throw new Xunit.Sdk.XunitException("First event must be RUN_STARTED.");
                if (ended && e is not RunStarted) throw new Xunit.Sdk.XunitException($"{at} after the run ended.");
            }
            switch (e)
            {
                case RunStarted:
                    if (inRun) throw new Xunit.Sdk.XunitException($"{at}: RUN_STARTED while a run is open.");
                    inRun = true;
                    ended = false;
                    messages.Clear(); spans.Clear(); reasoning.Clear(); tools.Clear();
                    break;
                case RunFinished:
                    if (!inRun) throw new Xunit.Sdk.XunitException($"{at}: no run is open.");
                    if (messages.Count + spans.Count + reasoning.Count + tools.Count > 0)
                        throw new Xunit.Sdk.XunitException($"{at}: still open: {string.Join(", ", messages.Concat(spans).Concat(reasoning).Concat(tools))}.");
                    inRun = false;
                    ended = true;
                    break;
                case RunError:
                    inRun = false;
                    ended = true;
                    messages.Clear(); spans.Clear(); reasoning.Clear(); tools.Clear();
                    break;
                case TextMessageStart s:
                    Open(messages, s.MessageId, at);
                    break;
                case TextMessageContent c:
                    Require(messages, c.MessageId, at);
                    break;
                case TextMessageEnd end:
                    Close(messages, end.MessageId, at);
                    break;
                case ReasoningStart s:
                    Open(spans, s.MessageId, at);
                    break;
                case ReasoningEnd end:
                    Close(spans, end.MessageId, at);
                    break;
                case ReasoningMessageStart s:
                    Open(reasoning, s.MessageId, at);
                    break;
                case ReasoningMessageContent c:
                    Require(reasoning, c.MessageId, at);
                    break;
                case ReasoningMessageEnd end:
                    Close(reasoning, end.MessageId, at);
                    break;
                case ToolCallStart s:
                    Open(tools, s.ToolCallId, at);
                    break;
                case ToolCallArgs a:
                    Require(tools, a.ToolCallId, at);
                    break;
                case ToolCallEnd end:
                    Close(tools, end.ToolCallId, at);
                    break;
            }
            var runScoped = e is ReasoningStart or ReasoningMessageStart or ToolCallStart or ToolCallResult
                || e is TextMessageStart { Role: "assistant" };
            if (runScoped && !inRun) throw new Xunit.Sdk.XunitException($"{at}: run-scoped event outside a run.");
        }
    }

    private static void Open(HashSet<string> open, string id, string at)
    {
        if (!open.Add(id)) throw new Xunit.Sdk.XunitException($"{at}: '{id}' is already open.");
    }

    private static void Require(HashSet<string> open, string id, string at)
    {
        if (!open.Contains(id)) throw new Xunit.Sdk.XunitException($"{at}: '{id}' is not open.");
    }

    private static void Close(HashSet<string> open, string id, string at)
    {
        if (!open.Remove(id)) throw new Xunit.Sdk.XunitException($"{at}: '{id}' is not open.");
    }
}
