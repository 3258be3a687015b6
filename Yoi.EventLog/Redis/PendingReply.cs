using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The slot of one queued command (or pipelined batch) waiting for its replies, completed in FIFO order by
/// the reader loop. A batch completes with an array value holding each reply in order.
/// </summary>
internal sealed class PendingReply : TaskCompletionSource<RespValue>
{
    private readonly RespValue[]? _batch;
    private int _received;

    public PendingReply(int expectedReplies = 1) : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedReplies, 1);
        if (expectedReplies > 1) _batch = new RespValue[expectedReplies];
    }

    /// <summary>Takes the next reply; true when this slot has all its replies.</summary>
    public bool OnReply(in RespValue value)
    {
        if (_batch is null)
        {
            TrySetResult(value);
            return true;
        }
        _batch[_received++] = value;
        if (_received < _batch.Length) return false;
        TrySetResult(RespValue.Array(_batch));
        return true;
    }
}
