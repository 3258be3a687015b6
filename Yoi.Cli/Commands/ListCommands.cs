using System.CommandLine;
using System.Text.Json;
using Yoi.Cli.Output;
using Yoi.Protocol.Api;

namespace Yoi.Cli.Commands;

/// <summary><c>yoi runtimes</c>, <c>yoi workers &lt;rid&gt;</c>, <c>yoi new &lt;rid&gt;</c>.</summary>
internal static class ListCommands
{
    public static Command Runtimes()
    {
        var command = new Command("runtimes", "List the runtimes with their availability and worker counts.");
        command.SetAction((parse, ct) => CliContext.RunAsync(async ct =>
        {
            var list = await CliContext.Client(parse).ListRuntimesAsync(ct);
            if (parse.GetValue(CliContext.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(list, ApiJsonContext.Default.RuntimeList));
                return ExitCodes.Ok;
            }
            Table.Write(Console.Out, ["RUNTIME", "AVAILABLE", "SOURCE", "WORKERS", "IDLE", "RUNNING", "STOPPED"],
                list.Runtimes.Select(r => (IReadOnlyList<string>)[r.RuntimeId, r.Available == true ? "yes" : "no", r.Source ?? "",
                    N(r.Workers.Total), N(r.Workers.Idle), N(r.Workers.Running), N(r.Workers.Stopped)]));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    public static Command Workers()
    {
        var runtime = new Argument<string>("runtime") { Description = "The runtime id, e.g. rt-1." };
        var command = new Command("workers", "List a runtime's workers.") { runtime };
        command.SetAction((parse, ct) => CliContext.RunAsync(async ct =>
        {
            var workers = new List<WorkerInfo>();
            await foreach (var worker in CliContext.Client(parse).ReadWorkersAsync(parse.GetValue(runtime)!, cancellationToken: ct)) workers.Add(worker);
            var list = new WorkerList(workers);
            if (parse.GetValue(CliContext.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(list, ApiJsonContext.Default.WorkerList));
                return ExitCodes.Ok;
            }
            Table.Write(Console.Out, ["WORKER", "STATUS", "PROVIDER", "CREATED", "RUN"],
                list.Workers.Select(w => (IReadOnlyList<string>)[w.WorkerId, w.Status, w.Provider,
                    w.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), w.RunId ?? ""]));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    public static Command New()
    {
        var runtime = new Argument<string>("runtime") { Description = "The runtime id, e.g. rt-1." };
        var provider = new Option<string?>("--provider") { Description = "The model provider (the runtime's default otherwise)." };
        var model = new Option<string?>("--model") { Description = "The model, for providers that take one." };
        var instructions = new Option<string?>("--instructions") { Description = "System instructions for the worker." };
        var command = new Command("new", "Create a worker; prints its id (the worker as JSON with --json).") { runtime, provider, model, instructions };
        command.SetAction((parse, ct) => CliContext.RunAsync(async ct =>
        {
            var worker = await CliContext.Client(parse).CreateWorkerAsync(parse.GetValue(runtime)!,
                new CreateWorkerRequest(parse.GetValue(provider), parse.GetValue(model), parse.GetValue(instructions)), ct);
            Console.WriteLine(parse.GetValue(CliContext.Json) ? JsonSerializer.Serialize(worker, ApiJsonContext.Default.WorkerInfo) : worker.WorkerId);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string N(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
