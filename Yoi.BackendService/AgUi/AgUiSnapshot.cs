using Yoi.Protocol.Cursors;
using Yoi.Protocol.Transcripts;

namespace Yoi.BackendService.AgUi;

/// <summary>
/// A worker's (projected) snapshot as AG-UI: the transcript as <c>MESSAGES_SNAPSHOT</c> messages, with the ids the
/// <see cref="AgUiMapper"/> gives the same parts when it streams them, and the mapper that continues from it.
/// </summary>
public static class AgUiSnapshot
{
    /// <summary>
    /// The events a stream that starts from <paramref name="snapshot"/> (complete up to <paramref name="cursor"/>) begins
    /// with: <c>RUN_STARTED</c> when a run is in flight, <c>MESSAGES_SNAPSHOT</c>, then a start for each entity of
    /// the run still open; and the mapper for the events after the cursor.
    /// </summary>
    public static (IReadOnlyList<AgUiEvent> Events, AgUiMapper Mapper) Start(string threadId, StreamCursor cursor, WorkerSnapshot snapshot)
    {
        var mapper = AgUiMapper.FromSnapshot(threadId, snapshot);
        var reopen = mapper.Reopen(cursor);
        var events = new List<AgUiEvent>(reopen.Count + 1);
        var snapshotEvent = new MessagesSnapshot(ToMessages(snapshot)) { Timestamp = AgUiMapper.Timestamp(cursor) };
        if (reopen.Count > 0)
        {
            events.Add(reopen[0]); // RUN_STARTED first: AG-UI clients accept nothing before it inside a run
            events.Add(snapshotEvent);
            events.AddRange(reopen.Skip(1));
        }
        else
        {
            events.Add(snapshotEvent);
        }
        return (events, mapper);
    }

    /// <summary>
    /// The transcript and the run in flight as AG-UI messages: a user entry <c>i</c> is <c>user-i</c>; part <c>p</c> of
    /// run <c>r</c> is <c>r-p</c> (thinking a reasoning message, text an assistant message, a tool call an assistant
    /// message carrying the call, its output a tool message <c>r-p-result</c>).
    /// </summary>
    public static IReadOnlyList<AgUiMessage> ToMessages(WorkerSnapshot snapshot)
    {
        var messages = new List<AgUiMessage>();
        var index = 0;
        foreach (var entry in snapshot.Transcript.Concat(snapshot.InFlight))
        {
            switch (entry)
            {
                case UserEntry user:
                    messages.Add(new UserMessage("user-" + index, user.Text));
                    break;
                case AssistantEntry assistant:
                    for (var p = 0; p < assistant.Parts.Count; p++)
                    {
                        var id = AgUiMapper.MessageId(assistant.RunId, p);
                        switch (assistant.Parts[p])
                        {
                            case ThinkingPart t:
                                messages.Add(new ReasoningMessage(id, t.Text));
                                break;
                            case TextPart t:
                                messages.Add(new AssistantMessage(id, t.Text));
                                break;
                            case ToolCallPart c:
                                messages.Add(new AssistantMessage(id, ToolCalls: [new AgUiToolCall(c.Id, new AgUiFunctionCall(c.Name, c.Arguments))]));
                                if (c.Output is { } output)
                                    messages.Add(new ToolMessage(id + "-result", c.Id, output, c.IsError ? output : null));
                                break;
                            case OrphanToolResultPart o:
                                messages.Add(new ToolMessage(id + "-result", o.Id, o.Output, o.IsError ? o.Output : null));
                                break;
                        }
                    }
                    break;
            }
            index++;
        }
        return messages;
    }
}
