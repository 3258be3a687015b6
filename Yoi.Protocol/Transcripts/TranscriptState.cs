using System.Text;
using Yoi.Protocol.Events;

namespace Yoi.Protocol.Transcripts;

/// <summary>
/// The state of <see cref="TranscriptFold"/>: a worker's status, its completed entries, and the run in flight.
/// Completed entries are immutable; the run in flight is kept in builders so a long run folds in linear time.
/// <see cref="TranscriptFold.Apply"/> advances a state in place; <see cref="Clone"/> first to keep the old one.
/// </summary>
public sealed class TranscriptState
{
    private readonly List<TranscriptEntry> _transcript;

    public TranscriptState() : this(WorkerStatuses.Idle, [], null) { }

    private TranscriptState(string status, List<TranscriptEntry> transcript, RunBuilder? run)
    {
        Status = status;
        _transcript = transcript;
        Run = run;
    }

    /// <summary>One of <see cref="WorkerStatuses"/>; <c>idle</c> until an event says otherwise.</summary>
    public string Status { get; internal set; }

    /// <summary>Completed entries, in order.</summary>
    public IReadOnlyList<TranscriptEntry> Transcript => _transcript;

    /// <summary>The run that has started and not ended, as it stands; null when none.</summary>
    public AssistantEntry? InFlight => Run?.ToEntry(result: null);

    /// <summary>The run id of the run in flight, if any.</summary>
    public string? InFlightRunId => Run?.RunId;

    internal RunBuilder? Run { get; set; }

    internal void Complete(TranscriptEntry entry) => _transcript.Add(entry);

    public WorkerSnapshot ToSnapshot() =>
        new(Status, [.. _transcript], InFlight is { } inFlight ? [inFlight] : []);

    public TranscriptState Clone() => new(Status, [.. _transcript], Run?.Clone());

    /// <summary>
    /// The state a snapshot describes, so a client can keep folding the events that follow it: folding a prefix,
    /// snapshotting, and folding the rest from the snapshot gives the same transcript as folding everything.
    /// </summary>
    public static TranscriptState FromSnapshot(WorkerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var transcript = new List<TranscriptEntry>(snapshot.Transcript);
        RunBuilder? run = null;
        foreach (var entry in snapshot.InFlight)
        {
            if (entry is AssistantEntry assistant)
            {
                if (run is not null) transcript.Add(run.ToEntry(result: null));
                run = RunBuilder.From(assistant);
            }
            else
            {
                transcript.Add(entry);
            }
        }
        return new TranscriptState(snapshot.Status, transcript, run);
    }
}

/// <summary>The assistant entry of the run in flight, under construction.</summary>
internal sealed class RunBuilder(string runId)
{
    private readonly List<PartBuilder> _parts = [];
    private readonly Dictionary<string, PartBuilder> _toolCalls = new(StringComparer.Ordinal);
    private readonly List<RunError> _errors = [];
    private long _inputTokens, _outputTokens;
    private bool _hasUsage;

    public string RunId { get; } = runId;

    public PartBuilder? Last => _parts.Count == 0 ? null : _parts[^1];

    public PartBuilder Add(PartBuilder part)
    {
        _parts.Add(part);
        if (part.Kind == PartKind.ToolCall) _toolCalls.TryAdd(part.Id!, part);
        return part;
    }

    public PartBuilder? LastOpen(PartKind kind)
    {
        for (var i = _parts.Count - 1; i >= 0; i--)
        {
            if (_parts[i].Kind == kind && !_parts[i].Done) return _parts[i];
        }
        return null;
    }

    public PartBuilder? ToolCall(string id) => _toolCalls.GetValueOrDefault(id);

    public void AddUsage(long input, long output)
    {
        _inputTokens += input;
        _outputTokens += output;
        _hasUsage = true;
    }

    public void AddError(RunError error) => _errors.Add(error);

    /// <summary>Closes the thinking and text parts still open (the run is over).</summary>
    public void CloseOpenText()
    {
        foreach (var p in _parts)
        {
            if (p.Kind is PartKind.Thinking or PartKind.Text) p.Done = true;
        }
    }

    public AssistantEntry ToEntry(string? result) => new(
        RunId,
        [.. _parts.Select(p => p.ToPart())],
        result,
        _hasUsage ? new TokenUsage(_inputTokens, _outputTokens) : null,
        [.. _errors]);

    public RunBuilder Clone()
    {
        var copy = new RunBuilder(RunId) { _inputTokens = _inputTokens, _outputTokens = _outputTokens, _hasUsage = _hasUsage };
        foreach (var p in _parts) copy.Add(p.Clone());
        copy._errors.AddRange(_errors);
        return copy;
    }

    public static RunBuilder From(AssistantEntry entry)
    {
        var run = new RunBuilder(entry.RunId);
        foreach (var part in entry.Parts) run.Add(PartBuilder.From(part));
        if (entry.Usage is { } usage) run.AddUsage(usage.InputTokens, usage.OutputTokens);
        run._errors.AddRange(entry.Errors);
        return run;
    }
}

internal enum PartKind { Thinking, Text, ToolCall, OrphanToolResult }

internal sealed class PartBuilder(PartKind kind)
{
    public PartKind Kind { get; } = kind;
    public StringBuilder Text { get; } = new();
    public bool Done { get; set; }
    public string? Id { get; init; }
    public string Name { get; set; } = "";
    public string? Output { get; set; }
    public bool IsError { get; set; }

    public ContentPart ToPart() => Kind switch
    {
        PartKind.Thinking => new ThinkingPart(Text.ToString(), Done),
        PartKind.Text => new TextPart(Text.ToString(), Done),
        PartKind.ToolCall => new ToolCallPart(Id!, Name, Text.ToString(), Done, Output, IsError),
        _ => new OrphanToolResultPart(Id!, Output ?? "", IsError),
    };

    public PartBuilder Clone()
    {
        var copy = new PartBuilder(Kind) { Done = Done, Id = Id, Name = Name, Output = Output, IsError = IsError };
        copy.Text.Append(Text);
        return copy;
    }

    public static PartBuilder From(ContentPart part)
    {
        PartBuilder b;
        switch (part)
        {
            case ThinkingPart t:
                b = new PartBuilder(PartKind.Thinking) { Done = t.Done };
                b.Text.Append(t.Text);
                return b;
            case TextPart t:
                b = new PartBuilder(PartKind.Text) { Done = t.Done };
                b.Text.Append(t.Text);
                return b;
            case ToolCallPart c:
                b = new PartBuilder(PartKind.ToolCall) { Id = c.Id, Name = c.Name, Done = c.Done, Output = c.Output, IsError = c.IsError };
                b.Text.Append(c.Arguments);
                return b;
            case OrphanToolResultPart o:
                return new PartBuilder(PartKind.OrphanToolResult) { Id = o.Id, Output = o.Output, IsError = o.IsError, Done = true };
            default:
                throw new ArgumentException($"Unknown content part {part.GetType().Name}.", nameof(part));
        }
    }
}
