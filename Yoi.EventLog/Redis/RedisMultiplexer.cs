using System.Collections.Concurrent;
using System.Diagnostics;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

/// <summary>
/// One shared connection for ordinary commands, reconnected in the background with capped exponential backoff,
/// plus a small pool of dedicated connections for blocking reads. Commands issued while disconnected wait up to
/// the command timeout for the reconnect; a blocking read that is cancelled is released with
/// <c>CLIENT UNBLOCK</c> sent over the shared connection.
/// </summary>
internal sealed class RedisMultiplexer : IAsyncDisposable
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan UnblockWait = TimeSpan.FromMilliseconds(100);
    private const int UnblockAttempts = 5;

    private readonly RedisConnectionOptions _options;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly ConcurrentQueue<RedisPhysicalConnection> _idleBlocking = new();
    private readonly ConcurrentDictionary<RedisPhysicalConnection, byte> _leasedBlocking = new();
    private RedisPhysicalConnection? _current;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _reconnecting;

    private readonly Timer _sweeper;

    private RedisMultiplexer(RedisConnectionOptions options)
    {
        _options = options;
        var period = TimeSpan.FromTicks(Math.Clamp(options.SyncTimeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _sweeper = new Timer(static state => ((RedisMultiplexer)state!).Sweep(), this, period, period);
    }

    public RedisConnectionOptions Options => _options;

    /// <summary>Dedicated blocking connections idle in the pool.</summary>
    internal int IdleBlockingCount => _idleBlocking.Count;

    public bool IsConnected => Volatile.Read(ref _current) is { IsAlive: true };

    /// <summary>Connects; when that fails, throws unless <see cref="RedisConnectionOptions.AbortConnect"/> is false.</summary>
    public static async Task<RedisMultiplexer> ConnectAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        var multiplexer = new RedisMultiplexer(options);
        try
        {
            multiplexer.Attach(await RedisPhysicalConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false));
        }
        catch (RedisConnectionException) when (!options.AbortConnect)
        {
            multiplexer.StartReconnect();
        }
        return multiplexer;
    }

    /// <summary>
    /// Sends <paramref name="commands"/> (one command, or a pipelined batch of <paramref name="replyCount"/>
    /// commands in one write) and returns the reply, or for a batch an array of the replies in order.
    /// </summary>
    public Task<RespValue> ExecuteAsync(ReadOnlyMemory<byte> commands, int replyCount, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<RespValue>(cancellationToken);
        var slot = new PendingReply(replyCount);
        slot.CancelWith(cancellationToken);
        var connection = Volatile.Read(ref _current);
        if (connection is not null && connection.TryEnqueue(commands.Span, slot)) return slot.Task;
        return ExecuteWhenConnectedAsync(commands, slot, cancellationToken);
    }

    /// <summary>The slow path: waits (up to the command timeout) for a connection, then queues the command.</summary>
    private async Task<RespValue> ExecuteWhenConnectedAsync(ReadOnlyMemory<byte> commands, PendingReply slot, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var connection = Volatile.Read(ref _current);
            if (connection is not null)
            {
                slot.EnqueuedAt = Stopwatch.GetTimestamp();
                if (connection.TryEnqueue(commands.Span, slot)) return await slot.Task.ConfigureAwait(false);
                OnClosed(connection);
            }
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            var remaining = _options.SyncTimeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) throw NotConnected();
            Task connected;
            lock (_gate) connected = _connected.Task;
            try
            {
                await connected.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw NotConnected();
            }
        }
    }

    /// <summary>Times out commands on the shared connection that waited longer than the command timeout.</summary>
    private void Sweep()
    {
        var timeout = _options.SyncTimeout;
        Volatile.Read(ref _current)?.FailExpired(Stopwatch.GetTimestamp() - (long)(timeout.TotalSeconds * Stopwatch.Frequency), timeout);
    }

    private RedisConnectionException NotConnected() =>
        new($"Not connected to Redis at {_options.Host}:{_options.Port}; no reconnect within {_options.SyncTimeout.TotalMilliseconds:0} ms.");

    /// <summary>
    /// Runs a blocking command (XREAD BLOCK) on a dedicated connection. The reply may take up to
    /// <paramref name="block"/> plus the command timeout. Cancellation unblocks the connection and throws
    /// <see cref="OperationCanceledException"/> promptly.
    /// </summary>
    public async Task<RespValue> ExecuteBlockingAsync(ReadOnlyMemory<byte> command, TimeSpan block, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = await LeaseBlockingAsync(cancellationToken).ConfigureAwait(false);
        _leasedBlocking.TryAdd(connection, 0);
        if (_disposed.IsCancellationRequested) connection.Abort(new RedisConnectionException("The Redis client was disposed."));
        var reusable = false;
        try
        {
            var slot = new PendingReply();
            if (!connection.TryEnqueue(command.Span, slot)) throw connection.Failure();
            var reply = slot.Task;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                await Task.WhenAny(reply, Task.Delay(block + _options.SyncTimeout, limit.Token)).ConfigureAwait(false);
                limit.Cancel(); // drop the timer when the reply came first
            }
            if (!reply.IsCompleted)
            {
                if (!cancellationToken.IsCancellationRequested)
                    throw new RedisTimeoutException($"No reply to a blocking read within {(block + _options.SyncTimeout).TotalMilliseconds:0} ms.");
                for (var attempt = 0; attempt < UnblockAttempts && !reply.IsCompleted; attempt++)
                {
                    await TryUnblockAsync(connection.ClientId).ConfigureAwait(false);
                    await Task.WhenAny(reply, Task.Delay(UnblockWait, CancellationToken.None)).ConfigureAwait(false);
                }
                reusable = reply.IsCompletedSuccessfully;
                throw new OperationCanceledException(cancellationToken);
            }
            var value = await reply.ConfigureAwait(false);
            reusable = true;
            return value;
        }
        finally
        {
            _leasedBlocking.TryRemove(connection, out _);
            if (reusable) ReturnBlocking(connection);
            else await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task TryUnblockAsync(long clientId)
    {
        using var buffer = new PooledBufferWriter();
        var resp = buffer.Resp;
        resp.WriteCommandHeader(3);
        resp.WriteBulk("CLIENT"u8);
        resp.WriteBulk("UNBLOCK"u8);
        resp.WriteBulk(clientId);
        try
        {
            await ExecuteAsync(buffer.WrittenMemory, 1, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // The caller retries, then drops the connection.
        }
    }

    private async Task<RedisPhysicalConnection> LeaseBlockingAsync(CancellationToken cancellationToken)
    {
        while (_idleBlocking.TryDequeue(out var idle))
        {
            if (idle.IsAlive) return idle;
            await idle.DisposeAsync().ConfigureAwait(false);
        }
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return await RedisPhysicalConnection.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
    }

    private void ReturnBlocking(RedisPhysicalConnection connection)
    {
        if (!_disposed.IsCancellationRequested && connection.IsAlive && _idleBlocking.Count < _options.BlockingPoolSize)
        {
            _idleBlocking.Enqueue(connection);
            return;
        }
        _ = connection.DisposeAsync().AsTask();
    }

    private void Attach(RedisPhysicalConnection connection)
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                _ = connection.DisposeAsync().AsTask();
                return;
            }
            _current = connection;
            _reconnecting = false;
            _connected.TrySetResult();
        }
        connection.Closed.ContinueWith(_ => OnClosed(connection), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnClosed(RedisPhysicalConnection connection)
    {
        lock (_gate)
        {
            if (_current != connection || _disposed.IsCancellationRequested) return;
            _current = null;
            _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        StartReconnect();
    }

    private void StartReconnect()
    {
        lock (_gate)
        {
            if (_reconnecting) return;
            _reconnecting = true;
        }
        _ = Task.Run(ReconnectLoopAsync);
    }

    private async Task ReconnectLoopAsync()
    {
        var delay = FirstReconnectDelay;
        while (!_disposed.IsCancellationRequested)
        {
            try
            {
                Attach(await RedisPhysicalConnection.ConnectAsync(_options, _disposed.Token).ConfigureAwait(false));
                return;
            }
            catch (Exception) when (!_disposed.IsCancellationRequested)
            {
                // Retry after the backoff below.
            }
            catch (Exception)
            {
                return;
            }
            try
            {
                await Task.Delay(delay, _disposed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    public async ValueTask DisposeAsync()
    {
        RedisPhysicalConnection? current;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested) return;
            _disposed.Cancel();
            current = _current;
            _current = null;
            _connected.TrySetException(new ObjectDisposedException(nameof(RedisMultiplexer)));
        }
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        if (current is not null) await current.DisposeAsync().ConfigureAwait(false);
        while (_idleBlocking.TryDequeue(out var idle)) await idle.DisposeAsync().ConfigureAwait(false);
        // Blocking reads in progress end now with a connection exception instead of running out their block time.
        foreach (var leased in _leasedBlocking.Keys) leased.Abort(new RedisConnectionException("The Redis client was disposed."));
    }
}
