using Yoi.Protocol.Cursors;

namespace Yoi.Client.Observation;

/// <summary>
/// One worker's stream: a <c>snapshot</c> (unless started from a cursor), then every event, resuming across drops.
/// Fold it with <c>TranscriptFold</c> (<c>TranscriptState.FromSnapshot</c> then <c>Apply</c>) for the conversation.
/// </summary>
public sealed class WorkerObserver : Observer
{
    internal WorkerObserver(Uri uri, string? apiKey, string runtimeId, string workerId, StreamCursor? cursor, ObserverOptions? options)
        : base(uri, apiKey, cursor, options)
    {
        RuntimeId = runtimeId;
        WorkerId = workerId;
    }

    public string RuntimeId { get; }
    public string WorkerId { get; }
}
