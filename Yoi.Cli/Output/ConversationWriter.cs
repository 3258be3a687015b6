using Yoi.Protocol.Api;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;
using Yoi.Protocol.Transcripts;

namespace Yoi.Cli.Output;

/// <summary>
/// Frames and transcripts as a readable conversation: text streams in as its deltas arrive, thinking and tool calls
/// on lines of their own. Diagnostics go to the error writer.
/// </summary>
internal sealed class ConversationWriter(TextWriter output, TextWriter errors, bool runtimeWide = false)
{
    private bool _midLine;

    public void Write(ObservationFrame frame)
    {
        switch (frame)
        {
            case SnapshotFrame s:
                Line($"# snapshot of {s.WorkerId} at {s.Cursor}: {s.Snapshot.Status}");
                foreach (var entry in s.Snapshot.Transcript.Concat(s.Snapshot.InFlight)) WriteEntry(entry);
                break;
            case RuntimeSnapshotFrame r:
                Line($"# snapshot of {r.RuntimeId} at {r.Cursor}: {r.Snapshot.Workers.Count} worker(s)");
                foreach (var w in r.Snapshot.Workers) Line($"{w.WorkerId}  {w.Status}{(w.RunId is null ? "" : "  run " + w.RunId)}");
                break;
            case EventFrame e when runtimeWide:
                Line($"{e.WorkerId}  {Describe(e.Payload)}");
                break;
            case EventFrame e:
                WriteEvent(e.Payload);
                break;
            case DiagnosticFrame d:
                EndLine();
                errors.WriteLine($"yoi: diagnostic {d.Code}: {d.Message}");
                break;
        }
        output.Flush();
    }

    public void WriteTranscript(WorkerTranscript transcript)
    {
        Line($"# {transcript.RuntimeId}/{transcript.WorkerId}: {transcript.Status}, complete up to {transcript.Cursor}");
        foreach (var entry in transcript.Transcript.Concat(transcript.InFlight)) WriteEntry(entry);
        output.Flush();
    }

    private void WriteEvent(WorkerEvent payload)
    {
        switch (payload)
        {
            case UserMessageEvent e: Line(""); Line($"you: {e.Text}"); break;
            case RunStartEvent e: Line($"assistant (run {e.RunId}):"); break;
            case ThinkingStartEvent: Inline("  [thinking] "); break;
            case ThinkingDeltaEvent e: if (!_midLine) Inline("  [thinking] "); Inline(e.Text); break;
            case ThinkingDoneEvent: EndLine(); break;
            case TextDeltaEvent e: if (!_midLine) Inline("  "); Inline(e.Text); break;
            case TextDoneEvent: EndLine(); break;
            case ToolCallDoneEvent e: Line($"  -> {e.Name}({e.Arguments})"); break;
            case ToolResultEvent e: Line($"  {(e.IsError ? "<- error:" : "<-")} {e.Output}"); break;
            case UsageEvent e: Line($"  usage: {e.InputTokens} in, {e.OutputTokens} out"); break;
            case ErrorEvent e: Line($"  error {e.Code}: {e.Message}"); break;
            case RunEndEvent e: Line($"  run {e.RunId} {e.Result}"); break;
            case StatusEvent e: Line($"  [status {e.Status}]"); break;
            case DiagnosticEvent e: Line($"  [diagnostic {e.Code}] {e.Message}"); break;
            case WorkerCreatedEvent e: Line($"[worker {e.WorkerId} created, {e.Provider}]"); break;
            case WorkerStoppedEvent e: Line($"[worker {e.WorkerId} stopped: {e.Reason}]"); break;
        }
    }

    private void WriteEntry(TranscriptEntry entry)
    {
        switch (entry)
        {
            case UserEntry u:
                Line($"you: {u.Text}");
                break;
            case AssistantEntry a:
                Line($"assistant (run {a.RunId}):");
                foreach (var part in a.Parts)
                {
                    switch (part)
                    {
                        case ThinkingPart t: Line($"  [thinking] {t.Text}"); break;
                        case TextPart t: Line($"  {t.Text}"); break;
                        case ToolCallPart c:
                            Line($"  -> {c.Name}({c.Arguments})");
                            if (c.Output is not null) Line($"  {(c.IsError ? "<- error:" : "<-")} {c.Output}");
                            break;
                        case OrphanToolResultPart o: Line($"  <- ({o.Id}) {o.Output}"); break;
                    }
                }
                foreach (var error in a.Errors) Line($"  error {error.Code}: {error.Message}");
                if (a.Usage is { } usage) Line($"  usage: {usage.InputTokens} in, {usage.OutputTokens} out");
                Line($"  run {a.RunId} {a.Result ?? "in flight"}");
                break;
        }
    }

    private static string Describe(WorkerEvent payload) => payload switch
    {
        WorkerCreatedEvent e => $"created ({e.Provider})",
        WorkerStoppedEvent e => $"stopped ({e.Reason})",
        StatusEvent e => e.Status,
        RunStartEvent e => $"run {e.RunId} started",
        RunEndEvent e => $"run {e.RunId} {e.Result}",
        _ => payload.Kind,
    };

    private void Inline(string text)
    {
        output.Write(text);
        _midLine = true;
    }

    private void EndLine()
    {
        if (!_midLine) return;
        output.WriteLine();
        _midLine = false;
    }

    private void Line(string text)
    {
        EndLine();
        output.WriteLine(text);
    }
}
