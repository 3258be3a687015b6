using Yoi.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

try
{
    return args switch
    {
        ["watch", .. var rest] => await WatchCommand.RunAsync(rest, stop.Token),
        _ => Usage(),
    };
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or HttpRequestException)
{
    Console.Error.WriteLine($"yoi: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine(WatchCommand.Usage);
    return 2;
}
