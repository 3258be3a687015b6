using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Yoi.Protocol.Api;
using Yoi.Protocol.Plugins;
using Yoi.Runtime.Workers;

namespace Yoi.Runtime.Plugins;

/// <summary>
/// One hosted plugin: its lifecycle (<see cref="PluginStates"/>), its bounded ingress queue drained by one host
/// loop, its host-owned connections, its diagnostics, and the validation of every output command it issues.
/// </summary>
internal sealed class PluginInstance : IConnectionOwner, IPluginContext
{
    private readonly IServicePlugin _plugin;
    private readonly IWorkerRuntime? _workers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly PluginDiagnostics _diagnostics = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile Dictionary<string, WebSocketConnection> _connections = new(StringComparer.Ordinal);
    private Channel<PluginIngressEvent> _ingress;
    private CancellationTokenSource _running = new();
    private Task _loop = Task.CompletedTask;
    private volatile string _status = PluginStates.Stopped;
    private volatile string? _lastError;
    private long _ingressDrops;
    private long _sendRejected;
    private int _dropReported;

    public PluginInstance(IServicePlugin plugin, PluginSettings settings, IWorkerRuntime? workers, ILogger logger, TimeProvider time)
    {
        _plugin = plugin;
        Settings = settings;
        _workers = workers;
        _logger = logger;
        _time = time;
        _ingress = CreateIngress();
    }

    public PluginManifest Manifest => _plugin.Manifest;
    public PluginSettings Settings { get; }
    public string PluginId => Manifest.Id;
    public string Status => _status;
    IConfiguration IPluginContext.Settings => Settings.Settings;
    public CancellationToken Stopping => _running.Token;

    private Channel<PluginIngressEvent> CreateIngress() =>
        Channel.CreateBounded<PluginIngressEvent>(new BoundedChannelOptions(Settings.IngressCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    /// <summary>
    /// Starts the plugin: checks grants against the manifest (refusing undeclared targets and ungranted private
    /// hosts), calls the plugin's <see cref="IServicePlugin.StartAsync"/>, starts the host loop, then connects.
    /// Returns false (status <c>failed</c>, with diagnostics) when it cannot start.
    /// </summary>
    public async Task<bool> StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_status is PluginStates.Running or PluginStates.Starting) return true;
            _status = PluginStates.Starting;
            _lastError = null;
            var errors = new List<string>(Manifest.Validate());
            var targets = PluginConfiguration.Authorize(Manifest, Settings, errors);
            if (errors.Count > 0) return Failed(string.Join(" ", errors));

            _running.Dispose();
            _running = new CancellationTokenSource();
            _ingress = CreateIngress();
            var connections = new Dictionary<string, WebSocketConnection>(StringComparer.Ordinal);
            foreach (var target in targets)
            {
                connections[target.Name] = new WebSocketConnection(target, Settings, Manifest.Reconnect, this, _time);
            }
            _connections = connections;
            try
            {
                await _plugin.StartAsync(this, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await DisposeConnectionsAsync().ConfigureAwait(false);
                return Failed($"the plugin's start failed: {ex.Message}");
            }
            _loop = Task.Run(() => HostLoopAsync(_ingress.Reader, _running.Token), CancellationToken.None);
            foreach (var connection in _connections.Values) connection.Start();
            _status = PluginStates.Running;
            PluginLog.PluginStarted(_logger, PluginId, Manifest.Version);
            return true;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private bool Failed(string reason)
    {
        _status = PluginStates.Failed;
        _lastError = reason;
        Diagnostic(PluginDiagnosticCodes.StartFailed, reason);
        PluginLog.PluginFailed(_logger, PluginId, reason);
        return false;
    }

    /// <summary>Closes the connections, ends the host loop (undelivered ingress is dropped), then calls the plugin's stop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_status is PluginStates.Stopped) return;
            var wasStarted = _status is PluginStates.Running;
            await DisposeConnectionsAsync().ConfigureAwait(false);
            _ingress.Writer.TryComplete();
            await _running.CancelAsync().ConfigureAwait(false);
            try { await _loop.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            if (wasStarted)
            {
                try { await _plugin.StopAsync(this, cancellationToken).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Diagnostic(PluginDiagnosticCodes.PluginError, $"the plugin's stop failed: {ex.Message}");
                }
            }
            _status = PluginStates.Stopped;
            PluginLog.PluginStopped(_logger, PluginId);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task DisposeConnectionsAsync()
    {
        var connections = _connections;
        foreach (var connection in connections.Values) await connection.DisposeAsync().ConfigureAwait(false);
        _connections = new Dictionary<string, WebSocketConnection>(StringComparer.Ordinal);
    }

    private async Task HostLoopAsync(ChannelReader<PluginIngressEvent> reader, CancellationToken ct)
    {
        try
        {
            await foreach (var ingress in reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await _plugin.HandleAsync(ingress, this, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Diagnostic(PluginDiagnosticCodes.PluginError, $"handling {ingress.Kind} failed: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    public PluginStatus Snapshot()
    {
        var connections = new List<ConnectionStatus>();
        foreach (var connection in _connections.Values) connections.Add(connection.Snapshot());
        return new PluginStatus(PluginId, Manifest.Version, Manifest.Description, Settings.Enabled, _status, _lastError,
            connections, new IngressStatus(Settings.IngressCapacity, _ingress.Reader.Count, Interlocked.Read(ref _ingressDrops)),
            Interlocked.Read(ref _sendRejected), _diagnostics.Snapshot());
    }

    // IConnectionOwner

    public void Ingress(PluginIngressEvent ingress)
    {
        if (_ingress.Writer.TryWrite(ingress))
        {
            Volatile.Write(ref _dropReported, 0);
            return;
        }
        Interlocked.Increment(ref _ingressDrops);
        if (Interlocked.Exchange(ref _dropReported, 1) == 0)
        {
            Diagnostic(PluginDiagnosticCodes.IngressDropped,
                $"ingress queue is full ({Settings.IngressCapacity}); dropping {ingress.Kind} events until it drains.");
        }
    }

    public void Diagnostic(string code, string message)
    {
        _diagnostics.Add(new PluginDiagnostic(_time.GetUtcNow(), code, message));
        PluginLog.Diagnostic(_logger, PluginId, code, message);
    }

    public void ConnectionStateChanged(string target, string redactedUrl, string state) =>
        PluginLog.ConnectionState(_logger, PluginId, target, redactedUrl, state);

    // IPluginContext

    public void ReportDiagnostic(string code, string message) => Diagnostic(code, message);

    public async ValueTask<PluginCommandResult> ExecuteAsync(PluginCommand command, CancellationToken cancellationToken = default)
    {
        if (_status is not (PluginStates.Running or PluginStates.Starting))
            return Refuse(PluginCommandCodes.NotRunning, $"{command.Name} refused: plugin is {_status}.");
        return command switch
        {
            WebSocketSendCommand send => Send(send),
            WorkerInputCommand input => await InputAsync(input, cancellationToken).ConfigureAwait(false),
            WorkerCreateCommand create => await CreateAsync(create, cancellationToken).ConfigureAwait(false),
            _ => Refuse(PluginCommandCodes.UnknownCommand, $"unknown command '{command.Name}'."),
        };
    }

    private PluginCommandResult Send(WebSocketSendCommand send)
    {
        if (send.Target is null || Manifest.FindTarget(send.Target) is null)
        {
            Interlocked.Increment(ref _sendRejected);
            return Refuse(PluginCommandCodes.TargetUndeclared, $"websocket_send refused: target '{Printable(send.Target)}' is not declared in the manifest.");
        }
        if (!_connections.TryGetValue(send.Target, out var connection))
        {
            Interlocked.Increment(ref _sendRejected);
            return Refuse(PluginCommandCodes.TargetNotGranted, $"websocket_send refused: target '{send.Target}' is not granted (Runtime:Plugins:{PluginId}:Grants:WebSocket:{send.Target}).");
        }
        if (send.Text is null || Encoding.UTF8.GetByteCount(send.Text) > Settings.MaxMessageBytes)
        {
            Interlocked.Increment(ref _sendRejected);
            connection.CountRejected();
            return Refuse(PluginCommandCodes.MessageTooLarge, $"websocket_send refused: the text for '{send.Target}' is missing or over {Settings.MaxMessageBytes} bytes.");
        }
        return connection.TrySend(send.Text);
    }

    private async ValueTask<PluginCommandResult> InputAsync(WorkerInputCommand input, CancellationToken ct)
    {
        if (input.WorkerId is null || !ResourceId.IsValid(input.WorkerId))
            return Refuse(PluginCommandCodes.InvalidWorkerId, "worker_input refused: the worker id is not [A-Za-z0-9_-]{1,64}.");
        if (input.Text is null)
            return Refuse(PluginCommandCodes.InvalidCommand, "worker_input refused: text is missing.");
        if (_workers is null)
            return Refuse(PluginCommandCodes.WorkerRuntimeUnavailable, "worker_input refused: no worker runtime is registered.");
        try
        {
            var accepted = await _workers.SendInputAsync(input.WorkerId, input.Text, ct).ConfigureAwait(false);
            return new PluginCommandResult(true, WorkerId: accepted.WorkerId, RunId: accepted.RunId);
        }
        catch (WorkerCommandException ex)
        {
            return Refuse(ex.Code, $"worker_input to '{input.WorkerId}' refused: {ex.Message}");
        }
    }

    private async ValueTask<PluginCommandResult> CreateAsync(WorkerCreateCommand create, CancellationToken ct)
    {
        if (_workers is null)
            return Refuse(PluginCommandCodes.WorkerRuntimeUnavailable, "worker_create refused: no worker runtime is registered.");
        try
        {
            var worker = await _workers.CreateWorkerAsync(new CreateWorkerRequest(create.Provider, create.Model, create.Instructions), ct).ConfigureAwait(false);
            return new PluginCommandResult(true, WorkerId: worker.WorkerId);
        }
        catch (WorkerCommandException ex)
        {
            return Refuse(ex.Code, $"worker_create refused: {ex.Message}");
        }
    }

    private PluginCommandResult Refuse(string code, string message)
    {
        Diagnostic(code, message);
        return PluginCommandResult.Refused(code, message);
    }

    private static string Printable(string? name) =>
        name is null ? "(none)" : ResourceId.IsValid(name) ? name : "(invalid name)";
}
