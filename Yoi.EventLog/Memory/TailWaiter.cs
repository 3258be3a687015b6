namespace Yoi.EventLog.Memory;

/// <summary>One blocked tail read: completed by an append to any stream it waits on, its timeout or cancellation.</summary>
internal sealed class TailWaiter() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public static void WakeAll(List<TailWaiter>? waiters)
    {
        if (waiters is null) return;
        foreach (var waiter in waiters) waiter.TrySetResult();
    }
}
