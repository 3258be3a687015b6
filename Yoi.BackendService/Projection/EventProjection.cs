using Yoi.Protocol.Transcripts;

namespace Yoi.BackendService.Projection;

/// <summary>
/// What one kind of client sees of a stream (docs/protocol.md, the projection seam): each stored event unchanged, replaced (redacted) or dropped,
/// and the snapshot to match. A policy hands out shared instances: the Backend builds an event's frame once per
/// distinct instance (compared by reference) among the clients of a stream, never once per client.
/// <para>
/// Rules for an implementation: pure and thread-safe (the tail loop calls it for every event); a replacement keeps
/// the event's kind, so a redacted event keeps its cursor; a dropped event is simply absent for the client (cursors
/// stay increasing, and a reconnect with the last cursor skips it again); <see cref="ProjectSnapshot"/> hides what
/// <see cref="ProjectEvent"/> hides, so folding the delivered events continues the delivered snapshot.
/// </para>
/// </summary>
public abstract class EventProjection
{
    /// <summary>Every event and snapshot unchanged (the stored bytes).</summary>
    public static readonly EventProjection PassThrough = new PassThroughProjection();

    /// <summary>Thinking text, tool arguments and tool output replaced by <see cref="EventRedactor.Marker"/>; every event kept.</summary>
    public static readonly EventProjection Redacted = new RedactingProjection();

    /// <summary>A short client-safe name for telemetry (<c>yoi.projection</c>).</summary>
    public abstract string Name { get; }

    /// <summary>What the stored event (its <c>{"event","data"}</c> bytes) becomes for the client.</summary>
    public abstract ProjectedEvent ProjectEvent(ReadOnlySpan<byte> payload);

    /// <summary>The snapshot the client gets.</summary>
    public abstract WorkerSnapshot ProjectSnapshot(WorkerSnapshot snapshot);

    private sealed class PassThroughProjection : EventProjection
    {
        public override string Name => "pass_through";
        public override ProjectedEvent ProjectEvent(ReadOnlySpan<byte> payload) => ProjectedEvent.Keep;
        public override WorkerSnapshot ProjectSnapshot(WorkerSnapshot snapshot) => snapshot;
    }

    private sealed class RedactingProjection : EventProjection
    {
        public override string Name => "redacted";
        public override ProjectedEvent ProjectEvent(ReadOnlySpan<byte> payload) =>
            EventRedactor.Redact(payload) is { } redacted ? ProjectedEvent.Replace(redacted) : ProjectedEvent.Keep;
        public override WorkerSnapshot ProjectSnapshot(WorkerSnapshot snapshot) => EventRedactor.Redact(snapshot);
    }
}

/// <summary>The outcome of <see cref="EventProjection.ProjectEvent"/>: keep the stored bytes, replace them, or drop the event.</summary>
public readonly struct ProjectedEvent
{
    private ProjectedEvent(bool dropped, byte[]? replacement)
    {
        IsDropped = dropped;
        Replacement = replacement;
    }

    public static ProjectedEvent Keep => default;
    public static ProjectedEvent Drop => new(true, null);

    /// <summary>The event as these bytes instead (an event of the same kind).</summary>
    public static ProjectedEvent Replace(byte[] payload) => new(false, payload ?? throw new ArgumentNullException(nameof(payload)));

    public bool IsDropped { get; }

    /// <summary>The bytes to send instead of the stored ones; null to send the stored bytes.</summary>
    public byte[]? Replacement { get; }
}
