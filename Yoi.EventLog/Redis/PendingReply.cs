using System.Diagnostics;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The slot of one queued command (or pipelined batch) waiting for its replies, completed in FIFO order by
/// the reader loop. A batch completes with an array value holding each reply in order. Timeouts are applied
/// by the multiplexer's sweeper from <see cref="EnqueuedAt"/>, so a command costs no timer of its own.
/// </summary>
internal sealed class PendingReply : TaskCompletionSource<RespValue>
{
    private readonly RespValue[]? _batch;
    private int _received;
    private CancellationTokenRegistration _cancellation;

    public PendingReply(int expectedReplies = 1) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedReplies, 1);
        if (expectedReplies > 1) _batch = new RespValue[expectedReplies];
        EnqueuedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>When the command was queued (a <see cref="Stopwatch"/> timestamp).</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>Cancels the slot when <paramref name="cancellationToken"/> fires; call before enqueueing.</summary>
    public void CancelWith(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled) return;
        _cancellation = cancellationToken.UnsafeRegister(
            static (state, token) => ((PendingReply)state!).TrySetCanceled(token), this);
    }

    /// <summary>Takes the next reply; true when this slot has all its replies.</summary>
    public bool OnReply(in RespValue value)
    {
        if (_batch is null)
        {
            Complete(value);
            return true;
        }
        _batch[_received++] = value;
        if (_received < _batch.Length) return false;
        Complete(RespValue.Array(_batch));
        return true;
    }

    public void Fail(Exception exception)
    {
        TrySetException(exception);
        _cancellation.Unregister();
    }

    private void Complete(RespValue value)
    {
        TrySetResult(value);
        _cancellation.Unregister();
    }
}
