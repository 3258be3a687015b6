using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Yoi.EventLog;
using Yoi.Protocol.Events;
using Yoi.Runtime.Workers;
using Yoi.Tests.Runtime;
using static Yoi.Tests.RuntimeService.RuntimeApi;

namespace Yoi.Tests.RuntimeService;

/// <summary>End to end through HTTP: the stored trace context, and the openai provider wired from configuration.</summary>
public sealed class RuntimeServiceTracingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_of_an_input_are_stored_with_a_traceparent_in_the_trace_of_the_http_command()
    {
        await using var host = await RuntimeServiceHost.StartAsync();
        var worker = await CreateWorkerAsync(host.Client);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/workers/{worker.WorkerId}/input")
        {
            Content = new StringContent("""{"text":"traced"}""", Encoding.UTF8, "application/json"),
        };
        // The caller's context as an activity: an in-process host's HttpClient instrumentation is process-wide, and
        // the client span it starts injects its own traceparent (in the caller's trace) over a hand-set header.
        using var caller = new Activity("caller").SetParentId($"00-{traceId}-00f067aa0ba902b7-01").Start();
        using var response = await host.Client.SendAsync(request, Ct);
        caller.Stop();
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync(response.Content,
            Yoi.Protocol.Api.ApiJsonContext.Default.CommandAccepted, Ct))!.RunId!;
        await WaitRunEndAsync(host.Client, worker.WorkerId, runId);

        var runtime = host.Services.GetRequiredService<WorkerRuntime>();
        var log = host.Services.GetRequiredService<IEventLog>();
        var entries = await RuntimeTestSupport.ReadAllAsync(log, runtime.Keys.WorkerEvents(worker.WorkerId));
        var run = entries.SkipWhile(e => WorkerEventJson.PeekKind(e.Payload.Span) != EventKinds.UserMessage).ToList();
        Assert.True(run.Count > 5);
        Assert.All(run, e => Assert.StartsWith($"00-{traceId}-", e.TraceParent));
        var lifecycle = await RuntimeTestSupport.ReadAllAsync(log, runtime.Keys.RuntimeEvents);
        Assert.Contains(lifecycle, e => e.TraceParent?.StartsWith($"00-{traceId}-", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task The_openai_provider_is_configured_from_the_Runtime_OpenAI_section()
    {
        await using var fake = await FakeOpenAiServer.StartAsync();
        fake.EnqueueStream([FakeOpenAiServer.Content("from the fake")]);
        await using var host = await RuntimeServiceHost.StartAsync(("Runtime:DefaultProvider", "openai"),
            ("Runtime:OpenAI:BaseUrl", fake.BaseUrl), ("Runtime:OpenAI:Model", "m"), ("Runtime:OpenAI:ApiKey", "k-0123"));
        var worker = await CreateWorkerAsync(host.Client);
        Assert.Equal("openai", worker.Provider);
        var run = await SendInputAsync(host.Client, worker.WorkerId, "hi");
        await WaitRunEndAsync(host.Client, worker.WorkerId, run.RunId!);
        var events = await ReadAllEventsAsync(host.Client, worker.WorkerId);
        Assert.Contains(events, f => f.Payload is TextDoneEvent { Text: "from the fake" });
        Assert.Equal("Bearer k-0123", fake.Authorizations.Single());
    }
}
