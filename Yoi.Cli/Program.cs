using System.CommandLine;
using System.Runtime.InteropServices;
using Yoi.Cli;
using Yoi.Cli.Commands;

// yoi: the command line of the Backend's public API (docs/cli.md).
var root = new RootCommand("yoi: runtimes, workers and their conversations on a Yoi Backend.")
{
    ListCommands.Runtimes(),
    ListCommands.Workers(),
    ListCommands.New(),
    ObserveCommands.Send(),
    ObserveCommands.Watch(),
    ObserveCommands.Transcript(),
};
root.Options.Add(CliContext.Backend);
root.Options.Add(CliContext.ApiKey);
root.Options.Add(CliContext.Json);

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine($"yoi: {error.Message}");
    Console.Error.WriteLine("Run 'yoi --help' for usage.");
    return ExitCodes.Usage;
}
// Ctrl+C and SIGTERM end a watch cleanly (exit 0): commands see the token cancelled.
using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
