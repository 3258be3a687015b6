using System.Buffers;
using System.IO.Pipelines;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

/// <summary>
/// One socket to Redis. Callers enqueue command bytes plus a reply slot under a short lock (never across a
/// round trip); a single writer loop sends everything queued since its last write in one socket write; a single
/// reader loop parses replies and completes slots in FIFO order. When the connection dies every queued slot
/// fails with <see cref="RedisConnectionException"/>.
/// </summary>
internal sealed class RedisPhysicalConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly long _maxReplySize;
    private readonly Lock _gate = new();
    private readonly Queue<PendingReply> _slots = new();
    private readonly SemaphoreSlim _writeSignal = new(0);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PooledBufferWriter _pending = new(4096);
    private PooledBufferWriter _writing = new(4096);
    private bool _writeScheduled;
    private Exception? _failure;
    private Task _writer = Task.CompletedTask;
    private Task _reader = Task.CompletedTask;
    private PendingReply? _receiving; // the slot the reader is filling (already dequeued)

    private RedisPhysicalConnection(Stream stream, long maxReplySize)
    {
        _stream = stream;
        _maxReplySize = maxReplySize;
    }

    /// <summary>The server's <c>CLIENT ID</c> of this connection.</summary>
    public long ClientId { get; private set; }

    /// <summary>Completes when the connection has died or was disposed.</summary>
    public Task Closed => _closed.Task;

    public bool IsAlive => Volatile.Read(ref _failure) is null;

    /// <summary>Connects, starts the loops and runs the handshake (AUTH, SELECT, CLIENT SETNAME, CLIENT ID).</summary>
    public static async Task<RedisPhysicalConnection> ConnectAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        var stream = await RedisTransport.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        var connection = new RedisPhysicalConnection(stream, options.MaxReplySize);
        connection.Start();
        try
        {
            await connection.HandshakeAsync(options, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Start()
    {
        _writer = Task.Run(WriteLoopAsync);
        _reader = Task.Run(ReadLoopAsync);
    }

    private async Task HandshakeAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter();
        var resp = buffer.Resp;
        var count = 0;
        if (options.Password is not null)
        {
            resp.WriteCommandHeader(options.User is null ? 2 : 3);
            resp.WriteBulk("AUTH"u8);
            if (options.User is not null) resp.WriteBulk(options.User);
            resp.WriteBulk(options.Password);
            count++;
        }
        if (options.DefaultDatabase is { } db and not 0)
        {
            resp.WriteCommandHeader(2);
            resp.WriteBulk("SELECT"u8);
            resp.WriteBulk(db);
            count++;
        }
        if (!string.IsNullOrEmpty(options.ClientName))
        {
            resp.WriteCommandHeader(3);
            resp.WriteBulk("CLIENT"u8);
            resp.WriteBulk("SETNAME"u8);
            resp.WriteBulk(options.ClientName);
            count++;
        }
        resp.WriteCommandHeader(2);
        resp.WriteBulk("CLIENT"u8);
        resp.WriteBulk("ID"u8);
        count++;

        var slot = new PendingReply(count);
        if (!TryEnqueue(buffer.WrittenSpan, slot)) throw Failure();
        RespValue replies;
        try
        {
            replies = await slot.Task.WaitAsync(options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RedisConnectionException($"Redis at {options.Host}:{options.Port} did not answer the handshake within {options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        var items = count == 1 ? [replies] : replies.Items!;
        foreach (var reply in items)
        {
            if (reply.IsError)
                throw new RedisConnectionException($"Redis handshake failed: {reply.AsString()}", new RedisServerException(reply.AsString() ?? ""));
        }
        ClientId = items[^1].AsInteger();
    }

    /// <summary>
    /// Queues a command's bytes (one or more commands) and the slot that takes their replies, atomically, so
    /// replies match slots in order. False when the connection is dead.
    /// </summary>
    public bool TryEnqueue(ReadOnlySpan<byte> commands, PendingReply slot)
    {
        bool signal;
        lock (_gate)
        {
            if (_failure is not null) return false;
            _pending.Write(commands);
            _slots.Enqueue(slot);
            signal = !_writeScheduled;
            _writeScheduled = true;
        }
        if (signal) _writeSignal.Release();
        return true;
    }

    /// <summary>The exception that ended this connection (or a generic one while it is alive).</summary>
    public RedisConnectionException Failure() =>
        Volatile.Read(ref _failure) as RedisConnectionException ?? new RedisConnectionException("The Redis connection is closed.", _failure);

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _writeSignal.WaitAsync().ConfigureAwait(false);
                PooledBufferWriter batch;
                lock (_gate)
                {
                    if (_failure is not null) return;
                    (_pending, _writing) = (_writing, _pending);
                    _writeScheduled = false;
                    batch = _writing;
                }
                if (batch.WrittenCount == 0) continue;
                await _stream.WriteAsync(batch.WrittenMemory).ConfigureAwait(false);
                await _stream.FlushAsync().ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (Exception ex)
        {
            Abort(new RedisConnectionException($"Writing to Redis failed: {ex.Message}", ex));
        }
    }

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        PendingReply? current = null;
        try
        {
            long needed = 0;
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (!buffer.IsEmpty && buffer.Length >= needed)
                    {
                        if (RespParser.TryParse(ref buffer, _maxReplySize, out var value, out needed) != RespParseStatus.Complete) break;
                        if (current is null)
                        {
                            current = NextSlot() ?? throw new RedisProtocolException("Received a reply with no command waiting for it.");
                            Volatile.Write(ref _receiving, current);
                        }
                        if (current.OnReply(value)) current = null;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted) throw new RedisConnectionException("Redis closed the connection.");
            }
        }
        catch (Exception ex)
        {
            var failure = ex as RedisConnectionException ?? new RedisConnectionException($"The Redis connection was lost: {ex.Message}", ex);
            // The command whose reply could not be parsed learns why; the others lose their connection.
            if (ex is RedisProtocolException) (current ??= NextSlot())?.Fail(ex);
            Abort(failure);
            current?.Fail(failure);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private PendingReply? NextSlot()
    {
        lock (_gate) return _slots.TryDequeue(out var slot) ? slot : null;
    }

    /// <summary>
    /// Fails with <see cref="RedisTimeoutException"/> every waiting slot queued before <paramref name="cutoff"/>
    /// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp). Slots stay queued so later replies still match.
    /// </summary>
    public void FailExpired(long cutoff, TimeSpan timeout)
    {
        List<PendingReply>? expired = null;
        if (Volatile.Read(ref _receiving) is { Task.IsCompleted: false } receiving && receiving.EnqueuedAt < cutoff)
            (expired ??= []).Add(receiving);
        lock (_gate)
        {
            foreach (var slot in _slots)
            {
                if (slot.EnqueuedAt >= cutoff) break;
                if (!slot.Task.IsCompleted) (expired ??= []).Add(slot);
            }
        }
        if (expired is null) return;
        foreach (var slot in expired)
            slot.Fail(new RedisTimeoutException($"No reply from Redis within {timeout.TotalMilliseconds:0} ms."));
    }

    /// <summary>Ends the connection: every queued command fails with <paramref name="failure"/>.</summary>
    public void Abort(RedisConnectionException failure)
    {
        PendingReply[] orphans;
        lock (_gate)
        {
            if (_failure is not null) return;
            _failure = failure;
            orphans = [.. _slots];
            _slots.Clear();
            _pending.Clear();
        }
        foreach (var slot in orphans) slot.Fail(failure);
        _writeSignal.Release();
        try { _stream.Dispose(); } catch (Exception) { /* already broken */ }
        _closed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        Abort(new RedisConnectionException("The Redis connection was disposed."));
        await Task.WhenAll(_writer, _reader).ConfigureAwait(false);
    }
}
