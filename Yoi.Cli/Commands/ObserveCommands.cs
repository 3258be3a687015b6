using System.CommandLine;
using System.Text.Json;
using Yoi.Cli.Output;
using Yoi.Client;
using Yoi.Client.Observation;
using Yoi.Protocol;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Events;

namespace Yoi.Cli.Commands;

/// <summary><c>yoi send</c>, <c>yoi watch</c>, <c>yoi transcript</c>: through <see cref="YoiClient"/> and its resumable observers.</summary>
internal static class ObserveCommands
{
    public static Command Send()
    {
        var runtime = new Argument<string>("runtime") { Description = "The runtime id." };
        var worker = new Argument<string>("worker") { Description = "The worker id." };
        var text = new Argument<string>("text") { Description = "The input." };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the run this input starts to its end (exit 8 unless it finishes)." };
        var command = new Command("send", "Send input to a worker; prints the run id, or follows the run with --watch.") { runtime, worker, text, watch };
        command.SetAction((parse, ct) => CliContext.RunAsync(async ct =>
        {
            var client = CliContext.Client(parse);
            var (rid, wid) = (parse.GetValue(runtime)!, parse.GetValue(worker)!);
            var json = parse.GetValue(CliContext.Json);
            if (!parse.GetValue(watch))
            {
                var accepted = await client.SendInputAsync(rid, wid, parse.GetValue(text)!, ct);
                Console.WriteLine(json ? JsonSerializer.Serialize(accepted, Yoi.Protocol.Api.ApiJsonContext.Default.CommandAccepted) : accepted.RunId);
                return ExitCodes.Ok;
            }
            // The position before the input: observing from it shows the whole run, whenever the observer connects.
            var before = StreamCursor.Parse((await client.GetTranscriptAsync(rid, wid, ct)).Cursor);
            var run = await client.SendInputAsync(rid, wid, parse.GetValue(text)!, ct);
            return await FollowAsync(client.ObserveWorker(rid, wid, before), json, runtimeWide: false, untilRunEnd: run.RunId, ct);
        }, ct));
        return command;
    }

    public static Command Watch()
    {
        var runtime = new Argument<string>("runtime") { Description = "The runtime id." };
        var worker = new Argument<string?>("worker") { Description = "A worker id; without it, the runtime's lifecycle stream.", Arity = ArgumentArity.ZeroOrOne };
        var cursor = new Option<string?>("--cursor", "-c") { Description = "Resume after this cursor (0-0: from the start); without it, a snapshot first." };
        var untilRunEnd = new Option<bool>("--until-run-end") { Description = "Stop after the next run_end (exit 8 unless it finished)." };
        var command = new Command("watch", "Observe a worker (or a runtime) live, resuming across disconnects.") { runtime, worker, cursor, untilRunEnd };
        command.SetAction((parse, ct) =>
        {
            StreamCursor? from = null;
            if (parse.GetValue(cursor) is { } text)
            {
                if (!StreamCursor.TryParse(text.AsSpan(), out var parsed, out var reason))
                {
                    Console.Error.WriteLine($"yoi: --cursor is malformed: {reason}.");
                    return Task.FromResult(ExitCodes.Usage);
                }
                from = parsed;
            }
            return CliContext.RunAsync(ct =>
            {
                var client = CliContext.Client(parse);
                var rid = parse.GetValue(runtime)!;
                Observer observer = parse.GetValue(worker) is { } wid ? client.ObserveWorker(rid, wid, from) : client.ObserveRuntime(rid, from);
                return FollowAsync(observer, parse.GetValue(CliContext.Json), observer is RuntimeObserver,
                    parse.GetValue(untilRunEnd) ? "" : null, ct);
            }, ct);
        });
        return command;
    }

    public static Command Transcript()
    {
        var runtime = new Argument<string>("runtime") { Description = "The runtime id." };
        var worker = new Argument<string>("worker") { Description = "The worker id." };
        var command = new Command("transcript", "Print a worker's transcript (the conversation so far).") { runtime, worker };
        command.SetAction((parse, ct) => CliContext.RunAsync(async ct =>
        {
            var transcript = await CliContext.Client(parse).GetTranscriptAsync(parse.GetValue(runtime)!, parse.GetValue(worker)!, ct);
            if (parse.GetValue(CliContext.Json)) Console.WriteLine(JsonSerializer.Serialize(transcript, ProtocolJsonContext.Default.WorkerTranscript));
            else new ConversationWriter(Console.Out, Console.Error).WriteTranscript(transcript);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// Prints frames until the stream ends, or, with <paramref name="untilRunEnd"/>, until a <c>run_end</c> (of that
    /// run when it is not empty). The observer resumes by itself after 1001, 1011, 4408 and dropped connections.
    /// </summary>
    private static async Task<int> FollowAsync(Observer observer, bool json, bool runtimeWide, string? untilRunEnd, CancellationToken ct)
    {
        var writer = new ConversationWriter(Console.Out, Console.Error, runtimeWide);
        await foreach (var frame in observer.ReadAllAsync(ct))
        {
            if (json)
            {
                Console.WriteLine(FrameJson.Format(frame));
                if (frame is DiagnosticFrame d) Console.Error.WriteLine($"yoi: diagnostic {d.Code}: {d.Message}");
            }
            else writer.Write(frame);
            if (untilRunEnd is not null && frame is EventFrame { Payload: RunEndEvent end } && (untilRunEnd.Length == 0 || end.RunId == untilRunEnd))
                return end.Result == RunResults.Finished ? ExitCodes.Ok : ExitCodes.RunNotFinished;
        }
        if (observer.LastCloseStatus is { } status) Console.Error.WriteLine($"yoi: the backend closed the stream ({(int)status}).");
        return ExitCodes.ForClose(observer.LastCloseStatus);
    }
}
