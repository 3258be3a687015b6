using System.Runtime.InteropServices;
using Yoi.AppHost.Topology;

AppHostOptions options;
try
{
    options = AppHostOptions.Load(args);
}
catch (OptionsException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var shutdown = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    shutdown.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

await using var topology = new LocalTopology(options, Console.Out);
try
{
    var backendUrl = await topology.StartAsync(shutdown.Token);
    Console.WriteLine($"Backend ready: {backendUrl}");
    await Task.Delay(Timeout.Infinite, shutdown.Token);
}
catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
{
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or FileNotFoundException)
{
    Console.Error.WriteLine($"AppHost: {e.Message}");
    return 1;
}
Console.WriteLine("AppHost: stopping");
return 0;
