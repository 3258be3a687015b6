using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Yoi.Protocol.Cursors;
using Yoi.Protocol.Envelopes;
using Yoi.Protocol.Transcripts;
using Yoi.Tests.EndToEnd;
using Yoi.Tests.EventLog.Redis;
using Yoi.Tests.RuntimeService;
using static Microsoft.Playwright.Assertions;

namespace Yoi.Tests.Console;

/// <summary>The web console at <c>/</c> in a real Chromium, against the real Backend and Runtime over a real redis-server.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(ChromiumFixture chromium, RedisServerFixture redis)
{
    private const string Question = "what time is it? use the clock";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Console_creates_a_worker_runs_the_clock_and_resumes_after_the_backend_restarts_with_every_event_once()
    {
        await using var stack = await RuntimeBackendStack.StartAsync(redis);
        var page = await chromium.NewPageAsync(stack.BaseUri);
        try
        {
            await page.GotoAsync("/");
            var runtimeCard = page.Locator("li.card[data-runtime-id='rt-1']");
            await Expect(runtimeCard.GetByText("available", new() { Exact = true })).ToBeVisibleAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "rt-1", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runtime rt-1" })).ToBeVisibleAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "New worker" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("#/runtimes/rt-1/workers/[A-Za-z0-9_-]+$"));
            var workerId = Uri.UnescapeDataString(page.Url[(page.Url.LastIndexOf('/') + 1)..]);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Worker {workerId}" })).ToBeVisibleAsync();
            var log = page.GetByRole(AriaRole.Log, new() { Name = "Transcript" });
            await Expect(log).ToHaveAttributeAsync("aria-live", "polite");
            await Expect(page.Locator(".stream")).ToHaveAttributeAsync("data-state", "live");
            await Expect(log).ToHaveAttributeAsync("data-cursor", new Regex(@"^\d+-\d+$"));
            var snapshotCursor = (await log.GetAttributeAsync("data-cursor"))!;

            await page.GetByLabel("Message", new() { Exact = true }).FillAsync(Question);
            await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

            var firstRun = log.Locator("article.assistant").First;
            await Expect(log.Locator("article.user").First).ToHaveTextAsync(new Regex(Regex.Escape(Question)));
            var thinking = firstRun.Locator("details.thinking");
            await Expect(thinking).ToBeVisibleAsync();
            var tool = firstRun.Locator("details.tool");
            await Expect(tool.Locator("summary code.name")).ToHaveTextAsync("clock");
            await Expect(tool).ToHaveAttributeAsync("data-state", "done");
            await Expect(tool.Locator("pre.output")).ToHaveTextAsync(new Regex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"));
            await Expect(firstRun.Locator(".meta")).ToContainTextAsync("finished");
            await Expect(firstRun.Locator(".meta .usage")).ToContainTextAsync("tokens");
            await Expect(firstRun.Locator(".answer").Last).Not.ToBeEmptyAsync();
            await thinking.Locator("summary").ClickAsync();
            await Expect(thinking.Locator(".text")).Not.ToBeEmptyAsync();
            await Screenshots.SaveAsync(page, "console-worker-desktop.png");

            // Cut the WebSocket: stop the Backend. The page stays (a marker proves it is not reloaded) and reconnects.
            await page.EvaluateAsync("() => { window.__sameDocument = true; }");
            await stack.StopBackendAsync();
            await Expect(page.Locator(".stream")).ToHaveAttributeAsync("data-state", "reconnecting");
            await Expect(page.Locator(".diagnostics li[data-code='connection_lost']").First).ToBeVisibleAsync();

            // While the Backend is down the worker runs again (input straight to the runtime): the page must get
            // exactly these events when it resumes.
            var second = await RuntimeApi.SendInputAsync(stack.Runtime.Client, workerId, "and again, use the clock");
            await RuntimeApi.WaitRunEndAsync(stack.Runtime.Client, workerId, second.RunId!, ChromiumFixture.Timeout);
            await stack.StartBackendAsync();

            await Expect(page.Locator(".stream")).ToHaveAttributeAsync("data-state", "live");
            await Expect(log.Locator("article.assistant")).ToHaveCountAsync(2);
            await Expect(log.Locator("article.assistant").Nth(1).Locator(".meta")).ToContainTextAsync("finished");
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
            Assert.NotEqual("0", await log.GetAttributeAsync("data-reconnects"));

            // Every event exactly once: the page applied exactly the events stored after its snapshot, up to the last
            // one, and what it shows is the runtime's own transcript, entry by entry.
            var events = await RuntimeApi.ReadAllEventsAsync(stack.Runtime.Client, workerId, pageSize: 1000);
            var after = StreamCursor.Parse(snapshotCursor);
            var expected = events.Where(e => e.Cursor > after).ToList();
            await Expect(log).ToHaveAttributeAsync("data-cursor", events[^1].Cursor.ToString());
            await Expect(log).ToHaveAttributeAsync("data-events", expected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));

            var transcript = await stack.Backend!.Client().GetTranscriptAsync("rt-1", workerId, Ct);
            var entries = transcript.Transcript;
            await Expect(log.Locator("article.msg")).ToHaveCountAsync(entries.Count);
            for (var i = 0; i < entries.Count; i++)
            {
                var article = log.Locator("article.msg").Nth(i);
                switch (entries[i])
                {
                    case UserEntry user:
                        await Expect(article.Locator(".text")).ToHaveTextAsync(user.Text);
                        break;
                    case AssistantEntry assistant:
                        await Expect(article.Locator(".answer")).ToHaveCountAsync(assistant.Parts.OfType<TextPart>().Count());
                        Assert.Equal(assistant.Text, string.Concat(await article.Locator(".answer").AllTextContentsAsync()));
                        await Expect(article.Locator("details.tool")).ToHaveCountAsync(assistant.ToolCalls.Count());
                        await Expect(article.Locator("details.thinking")).ToHaveCountAsync(assistant.Parts.OfType<ThinkingPart>().Count());
                        Assert.Equal(assistant.ToolCalls.Select(c => c.Output ?? ""),
                            await article.Locator("details.tool pre.output").AllTextContentsAsync());
                        break;
                }
            }
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Console_with_a_viewer_key_shows_the_redacted_view_and_no_command_buttons()
    {
        const string operatorKey = "console-operator-key-0123456789";
        const string viewerKey = "console-viewer-key-0123456789";
        await using var stack = await RuntimeBackendStack.StartAsync(redis, new Dictionary<string, string?>
        {
            ["Backend:ApiKeys:0:Key"] = operatorKey,
            ["Backend:ApiKeys:0:Role"] = "operator",
            ["Backend:ApiKeys:1:Key"] = viewerKey,
            ["Backend:ApiKeys:1:Role"] = "viewer",
        });
        var client = stack.Backend!.Client(operatorKey);
        var worker = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var run = await client.SendInputAsync("rt-1", worker.WorkerId, Question, Ct);
        await RuntimeApi.WaitRunEndAsync(stack.Runtime.Client, worker.WorkerId, run.RunId!, ChromiumFixture.Timeout);

        var page = await chromium.NewPageAsync(stack.BaseUri);
        try
        {
            await page.GotoAsync("/");
            await Expect(page.Locator("#role")).ToHaveTextAsync("This backend needs an API key");
            await page.GetByLabel("API key").FillAsync(viewerKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
            await Expect(page.Locator("#role")).ToHaveTextAsync("Signed in as viewer");
            await page.GetByRole(AriaRole.Link, new() { Name = "rt-1", Exact = true }).ClickAsync();
            await Expect(page.Locator($"tr[data-worker-id='{worker.WorkerId}']")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New worker" })).ToHaveCountAsync(0);

            await page.GetByRole(AriaRole.Link, new() { Name = worker.WorkerId, Exact = true }).ClickAsync();
            var log = page.GetByRole(AriaRole.Log, new() { Name = "Transcript" });
            var assistant = log.Locator("article.assistant").First;
            await Expect(assistant.Locator(".meta")).ToContainTextAsync("finished");
            await assistant.Locator("details.thinking summary").First.ClickAsync();
            await Expect(assistant.Locator("details.thinking .text").First).ToHaveTextAsync("[redacted]");
            await Expect(assistant.Locator("details.tool pre.output")).ToHaveTextAsync("[redacted]");
            await Expect(assistant.Locator("details.tool pre.args")).ToHaveTextAsync("[redacted]");
            await Expect(assistant.Locator(".answer").Last).Not.ToBeEmptyAsync();
            foreach (var name in new[] { "Send", "Cancel", "Stop", "New worker" })
                await Expect(page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true })).ToHaveCountAsync(0);
            await Expect(page.GetByLabel("Message", new() { Exact = true })).ToHaveCountAsync(0);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Runtime_page_lists_workers_from_the_snapshot_and_adds_new_ones_live()
    {
        await using var stack = await RuntimeBackendStack.StartAsync(redis);
        var client = stack.Backend!.Client();
        var existing = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var page = await chromium.NewPageAsync(stack.BaseUri);
        try
        {
            await page.GotoAsync("/#/runtimes/rt-1");
            await Expect(page.Locator($"tr[data-worker-id='{existing.WorkerId}']")).ToContainTextAsync("idle");
            await Expect(page.Locator(".stream")).ToHaveAttributeAsync("data-state", "live");

            var created = await client.CreateWorkerAsync("rt-1", cancellationToken: Ct);
            var row = page.Locator($"tr[data-worker-id='{created.WorkerId}']");
            await Expect(row).ToContainTextAsync("idle");
            await client.StopAsync("rt-1", created.WorkerId, Ct);
            await Expect(row).ToContainTextAsync("stopped");
            await Expect(page.Locator("table.workers tbody tr")).ToHaveCountAsync(2);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Worker_page_at_phone_width_has_no_horizontal_scroll_and_keyboard_enter_sends()
    {
        await using var stack = await RuntimeBackendStack.StartAsync(redis);
        var worker = await stack.Backend!.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var page = await chromium.NewPageAsync(stack.BaseUri, width: 390, height: 844);
        try
        {
            await page.GotoAsync($"/#/runtimes/rt-1/workers/{worker.WorkerId}");
            var box = page.GetByLabel("Message", new() { Exact = true });
            await box.FillAsync(Question);
            await box.PressAsync("Enter");
            var log = page.GetByRole(AriaRole.Log, new() { Name = "Transcript" });
            await Expect(log.Locator("article.assistant .meta").First).ToContainTextAsync("finished");
            await Expect(box).ToHaveValueAsync("");
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"The page is {overflow}px wider than a 390px screen.");
            await log.Locator("details.thinking summary").First.ClickAsync();
            await Screenshots.SaveAsync(page, "console-worker-phone.png");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Cancel_ends_a_long_run_as_cancelled_and_after_Stop_a_send_shows_the_typed_error()
    {
        await using var stack = await RuntimeBackendStack.StartAsync(redis, deltaDelayMs: 20);
        var worker = await stack.Backend!.Client().CreateWorkerAsync("rt-1", cancellationToken: Ct);
        var page = await chromium.NewPageAsync(stack.BaseUri);
        try
        {
            await page.GotoAsync($"/#/runtimes/rt-1/workers/{worker.WorkerId}");
            var log = page.GetByRole(AriaRole.Log, new() { Name = "Transcript" });
            await page.GetByLabel("Message", new() { Exact = true }).FillAsync("tell me a story, long 5000");
            await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
            var run = log.Locator("article.assistant").First;
            await Expect(run.Locator(".answer").First).Not.ToBeEmptyAsync();
            await Expect(page.Locator(".title .badge")).ToHaveTextAsync("running");

            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
            await Expect(run.Locator(".meta")).ToContainTextAsync("cancelled");
            await Expect(page.Locator(".title .badge")).ToHaveTextAsync("idle");

            await page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).ClickAsync();
            await Expect(page.Locator(".title .badge")).ToHaveTextAsync("stopped");
            await page.GetByLabel("Message", new() { Exact = true }).FillAsync("are you there?");
            await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("worker_stopped");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
