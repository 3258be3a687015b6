using System.Threading.Channels;
using Yoi.Runtime.Plugins;

namespace Yoi.Tests.Plugins;

/// <summary>A test plugin that records every ingress event and exposes its context so tests can issue commands.</summary>
internal sealed class RecordingPlugin(PluginManifest manifest) : IServicePlugin
{
    private readonly Channel<PluginIngressEvent> _received = Channel.CreateUnbounded<PluginIngressEvent>();

    public static RecordingPlugin WithTarget(string id = "recorder", string target = "feed", ReconnectPolicy? reconnect = null) =>
        new(new PluginManifest(id, "0.1.0", "records ingress", [new WebSocketTargetDeclaration(target, null, "test feed")], reconnect));

    public PluginManifest Manifest { get; } = manifest;
    public IPluginContext? Context { get; private set; }
    public int Starts { get; private set; }
    public int Stops { get; private set; }

    /// <summary>When set, every HandleAsync waits for it (to fill the ingress queue).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public ValueTask StartAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        Context = context;
        Starts++;
        return ValueTask.CompletedTask;
    }

    public async ValueTask HandleAsync(PluginIngressEvent ingress, IPluginContext context, CancellationToken cancellationToken)
    {
        _received.Writer.TryWrite(ingress);
        if (Gate is { } gate) await gate.Task.WaitAsync(cancellationToken);
    }

    public ValueTask StopAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        Stops++;
        return ValueTask.CompletedTask;
    }

    /// <summary>The next received event matching <paramref name="match"/> (others are skipped); bounded by <see cref="Eventually.DefaultWithin"/>.</summary>
    public async Task<PluginIngressEvent> WaitForAsync(Func<PluginIngressEvent, bool> match, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Eventually.DefaultWithin);
        while (true)
        {
            var ingress = await _received.Reader.ReadAsync(timeout.Token);
            if (match(ingress)) return ingress;
        }
    }

    public Task<PluginIngressEvent> WaitForKindAsync(string kind, CancellationToken ct) => WaitForAsync(e => e.Kind == kind, ct);
}
