using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Yoi.Protocol.Plugins;

namespace Yoi.Runtime.Plugins;

/// <summary>Where a connection reports what happened: the owning plugin's ingress queue and diagnostics.</summary>
internal interface IConnectionOwner
{
    string PluginId { get; }
    void Ingress(PluginIngressEvent ingress);
    void Diagnostic(string code, string message);
    void ConnectionStateChanged(string target, string redactedUrl, string state);
}

/// <summary>
/// One host-owned WebSocket connection of a plugin to a declared and granted target. One run loop connects,
/// receives (text messages reassembled up to <see cref="PluginSettings.MaxMessageBytes"/>; binary frames refused;
/// ping/pong/close handled by the client, which aborts a peer that leaves a ping unanswered past
/// <see cref="PluginSettings.KeepAliveTimeout"/>) and reconnects with backoff when the manifest opts in. Sends go through a
/// bounded queue drained by one sender loop per session, since a WebSocket allows one send at a time.
/// The socket, the URL and its credentials never leave this class; status shows the redacted URL.
/// </summary>
internal sealed class WebSocketConnection : IAsyncDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly AuthorizedTarget _target;
    private readonly PluginSettings _settings;
    private readonly ReconnectPolicy? _policy;
    private readonly IConnectionOwner _owner;
    private readonly TimeProvider _time;
    private readonly Channel<string> _outgoing;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private volatile ClientWebSocket? _socket;
    private volatile bool _stopping;
    private volatile bool _finished;
    private volatile string _state = ConnectionStates.Closed;
    private volatile string? _lastError;
    private long _lastFrameTicks;
    private long _framesIn, _framesOut, _queueDrops, _sendFailures, _sendRejected, _reconnects, _binaryFrames, _oversize;
    private int _dropReported;

    public WebSocketConnection(AuthorizedTarget target, PluginSettings settings, ReconnectPolicy? policy, IConnectionOwner owner, TimeProvider time)
    {
        _target = target;
        _settings = settings;
        _policy = policy is { Enabled: true } ? policy : null;
        _owner = owner;
        _time = time;
        _outgoing = Channel.CreateBounded<string>(new BoundedChannelOptions(settings.OutgoingQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // No proxy (it would bypass the address check) and no redirects: the host connects to the granted target only.
        _handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectCheckedAsync,
            ConnectTimeout = settings.ConnectTimeout,
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        _invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
    }

    public string Target => _target.Name;

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Closes the connection (1001 going away) and ends the run loop; no ingress events after this.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        if (_socket is { State: WebSocketState.Open } socket)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "plugin stopping", timeout.Token).ConfigureAwait(false);
                await _run.WaitAsync(timeout.Token).ConfigureAwait(false); // the server's close ends the receive loop
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _run.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _finished = true;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _invoker.Dispose();
        _handler.Dispose();
        _stop.Dispose();
    }

    /// <summary>Queues a text message; refused when the connection is down for good or the queue is full.</summary>
    public PluginCommandResult TrySend(string text)
    {
        if (_finished || _stopping)
        {
            Interlocked.Increment(ref _sendFailures);
            return Refuse(PluginCommandCodes.NotConnected, $"target '{Target}' is {_state} and will not reconnect.");
        }
        if (_outgoing.Writer.TryWrite(text))
        {
            Volatile.Write(ref _dropReported, 0);
            return PluginCommandResult.Ok;
        }
        Interlocked.Increment(ref _queueDrops);
        var message = $"outgoing queue of target '{Target}' is full ({_settings.OutgoingQueueCapacity}); message dropped.";
        if (Interlocked.Exchange(ref _dropReported, 1) == 0) _owner.Diagnostic(PluginDiagnosticCodes.QueueDropped, message);
        return PluginCommandResult.Refused(PluginCommandCodes.QueueFull, message);
    }

    /// <summary>Counts a send the host refused before queueing (too large, malformed).</summary>
    public void CountRejected() => Interlocked.Increment(ref _sendRejected);

    public ConnectionStatus Snapshot()
    {
        var ticks = Interlocked.Read(ref _lastFrameTicks);
        return new ConnectionStatus(Target, _target.RedactedUrl, _state,
            ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero), _lastError,
            Interlocked.Read(ref _framesIn), Interlocked.Read(ref _framesOut), _outgoing.Reader.Count,
            Interlocked.Read(ref _queueDrops), Interlocked.Read(ref _sendFailures), Interlocked.Read(ref _sendRejected),
            Interlocked.Read(ref _reconnects), Interlocked.Read(ref _binaryFrames), Interlocked.Read(ref _oversize));
    }

    private PluginCommandResult Refuse(string code, string message)
    {
        _owner.Diagnostic(code, message);
        return PluginCommandResult.Refused(code, message);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            var end = await RunSessionAsync(ct).ConfigureAwait(false);
            if (end.Connected) attempt = 0;
            if (_stopping || ct.IsCancellationRequested)
            {
                SetState(ConnectionStates.Closed);
                return;
            }
            if (_policy is null)
            {
                _finished = true;
                Report(PluginIngressEvent.ReconnectNeeded(Target, end.Description, Now), PluginDiagnosticCodes.ReconnectNeeded,
                    $"target '{Target}' is down ({end.Description}); the manifest does not opt into reconnect.");
                return;
            }
            attempt++;
            if (_policy.MaxAttempts > 0 && attempt > _policy.MaxAttempts)
            {
                _finished = true;
                SetState(ConnectionStates.Failed);
                Report(PluginIngressEvent.ReconnectNeeded(Target, "reconnect attempts exhausted", Now), PluginDiagnosticCodes.ReconnectExhausted,
                    $"target '{Target}': {_policy.MaxAttempts} reconnect attempts failed; giving up.");
                return;
            }
            var delay = _policy.DelayFor(attempt);
            Report(PluginIngressEvent.Reconnecting(Target, attempt, delay, Now), PluginDiagnosticCodes.Reconnecting,
                $"target '{Target}': reconnect attempt {attempt} in {delay.TotalMilliseconds:0} ms.");
            try { await Task.Delay(delay, _time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { SetState(ConnectionStates.Closed); return; }
            Interlocked.Increment(ref _reconnects);
        }
    }

    private readonly record struct SessionEnd(bool Connected, string Description);

    private async Task<SessionEnd> RunSessionAsync(CancellationToken ct)
    {
        SetState(ConnectionStates.Connecting);
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = _settings.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = _settings.KeepAliveTimeout; // zero: pings without waiting for the pong
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connectTimeout.CancelAfter(_settings.ConnectTimeout);
            await socket.ConnectAsync(_target.Url, _invoker, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return Fail(false, ex is OperationCanceledException ? "connect timed out" : "connect failed: " + Describe(ex));
        }
        catch (Exception)
        {
            return new SessionEnd(false, "stopping");
        }

        _socket = socket;
        SetState(ConnectionStates.Connected);
        _lastError = null;
        _owner.Ingress(PluginIngressEvent.Connected(Target, Now));
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sender = Task.Run(() => SendLoopAsync(socket, session.Token), CancellationToken.None);
        try
        {
            return await ReceiveLoopAsync(socket, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException && ct.IsCancellationRequested)
        {
            return new SessionEnd(true, "stopping");
        }
        catch (Exception ex)
        {
            if (_stopping || ct.IsCancellationRequested) return new SessionEnd(true, "stopping");
            return Fail(true, "connection lost: " + (IsPongTimeout(ex)
                ? $"no pong within {_settings.KeepAliveTimeout.TotalSeconds:0.###} s of a ping (keep-alive timeout)"
                : Describe(ex)));
        }
        finally
        {
            _socket = null;
            await session.CancelAsync().ConfigureAwait(false);
            socket.Abort();
            await sender.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a receive failed because the peer left a ping unanswered past <see cref="PluginSettings.KeepAliveTimeout"/>:
    /// the socket then aborts itself, and the receive's exception carries the socket's <see cref="WebSocketError.Faulted"/>
    /// (as an inner exception, possibly inside an <see cref="AggregateException"/>).
    /// </summary>
    private static bool IsPongTimeout(Exception ex) => ex switch
    {
        WebSocketException { WebSocketErrorCode: WebSocketError.Faulted } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsPongTimeout),
        { InnerException: { } inner } => IsPongTimeout(inner),
        _ => false,
    };

    private SessionEnd Fail(bool connected, string description)
    {
        _lastError = description;
        SetState(ConnectionStates.Failed);
        Report(PluginIngressEvent.Error(Target, description, Now), PluginDiagnosticCodes.ConnectionError, $"target '{Target}': {description}");
        return new SessionEnd(connected, description);
    }

    private async Task<SessionEnd> ReceiveLoopAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var max = _settings.MaxMessageBytes;
        var chunk = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, 16 * 1024));
        var message = new ArrayBufferWriter<byte>(Math.Min(max, 4096));
        var inBinary = false;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(chunk.AsMemory(), ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastFrameTicks, _time.GetUtcNow().UtcTicks);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var status = (int?)socket.CloseStatus;
                    var description = socket.CloseStatusDescription ?? "";
                    await CloseQuietlyAsync(socket, WebSocketCloseStatus.NormalClosure, "").ConfigureAwait(false);
                    if (_stopping) return new SessionEnd(true, "stopping");
                    return Closed(status, description, $"target '{Target}' closed by the server ({status} {description}).");
                }
                if (result.MessageType == WebSocketMessageType.Binary || inBinary)
                {
                    inBinary = !result.EndOfMessage;
                    if (result.EndOfMessage)
                    {
                        Interlocked.Increment(ref _binaryFrames);
                        _owner.Diagnostic(PluginDiagnosticCodes.BinaryFrameUnsupported,
                            $"target '{Target}' sent a binary message; only text is supported. Dropped; connection kept.");
                    }
                    continue;
                }
                if (message.WrittenCount + result.Count > max)
                {
                    Interlocked.Increment(ref _oversize);
                    _owner.Diagnostic(PluginDiagnosticCodes.MessageTooLarge,
                        $"target '{Target}' sent a text message over {max} bytes; closing with 1009.");
                    await CloseQuietlyAsync(socket, WebSocketCloseStatus.MessageTooBig, "message too big").ConfigureAwait(false);
                    return Closed((int)WebSocketCloseStatus.MessageTooBig, "message too big", null);
                }
                message.Write(chunk.AsSpan(0, result.Count));
                if (!result.EndOfMessage) continue;
                Interlocked.Increment(ref _framesIn);
                string text;
                try { text = StrictUtf8.GetString(message.WrittenSpan); }
                catch (DecoderFallbackException)
                {
                    _owner.Diagnostic(PluginDiagnosticCodes.InvalidUtf8, $"target '{Target}' sent a text message that is not valid UTF-8; dropped.");
                    message.ResetWrittenCount();
                    continue;
                }
                message.ResetWrittenCount();
                _owner.Ingress(PluginIngressEvent.Message(Target, text, Now));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private SessionEnd Closed(int? status, string description, string? diagnostic)
    {
        SetState(ConnectionStates.Closed);
        var ingress = PluginIngressEvent.Closed(Target, status, description, Now);
        if (diagnostic is null) _owner.Ingress(ingress);
        else Report(ingress, PluginDiagnosticCodes.Closed, diagnostic);
        return new SessionEnd(true, $"closed {status} {description}".TrimEnd());
    }

    private async Task SendLoopAsync(ClientWebSocket socket, CancellationToken ct)
    {
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                if (!_outgoing.Reader.TryRead(out var text)) continue;
                var bytes = Encoding.UTF8.GetBytes(text);
                try
                {
                    await socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _framesOut);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
                {
                    Interlocked.Increment(ref _sendFailures);
                    if (!ct.IsCancellationRequested)
                    {
                        _lastError = "send failed: " + Describe(ex);
                        _owner.Diagnostic(PluginDiagnosticCodes.SendFailed, $"target '{Target}': {_lastError}");
                    }
                    return;
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task CloseQuietlyAsync(ClientWebSocket socket, WebSocketCloseStatus status, string description)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            if (socket.State is WebSocketState.Open) await socket.CloseAsync(status, description, timeout.Token).ConfigureAwait(false);
            else if (socket.State is WebSocketState.CloseReceived) await socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException) { }
    }

    /// <summary>Resolves the host and refuses private or loopback addresses unless granted; connects to a checked address.</summary>
    private async ValueTask<Stream> ConnectCheckedAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        if (!_target.AllowPrivateNetwork) addresses = [.. addresses.Where(a => !WebSocketTargetUrl.IsPrivateAddress(a))];
        if (addresses.Length == 0)
            throw new HttpRequestException($"host {host} resolves only to loopback or private addresses, and AllowPrivateNetwork is not granted.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Report(PluginIngressEvent ingress, string code, string message)
    {
        _owner.Ingress(ingress);
        _owner.Diagnostic(code, message);
    }

    private void SetState(string state)
    {
        if (_state == state) return;
        _state = state;
        _owner.ConnectionStateChanged(Target, _target.RedactedUrl, state);
    }

    private string Describe(Exception ex)
    {
        var message = ex.InnerException is { } inner && ex is WebSocketException or HttpRequestException
            ? $"{ex.Message} ({inner.Message})"
            : ex.Message;
        return WebSocketTargetUrl.Scrub(message, _target.Url);
    }

    private DateTimeOffset Now => _time.GetUtcNow();
}
