using Microsoft.Playwright;

namespace Yoi.Tests.Console;

/// <summary>
/// One headless Chromium (Debian's <c>/usr/bin/chromium</c>, driven by Playwright; its own browser download is never
/// used) for the console tests, closed with the collection. Tests open their own browser context each.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Bounded waits for page state: generous, because the machine may be loaded.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does).");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = (float)Timeout.TotalMilliseconds,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
    }

    /// <summary>A fresh context (own storage) on the backend, desktop-sized unless given.</summary>
    public async Task<IPage> NewPageAsync(Uri backend, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = backend.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = ColorScheme.Light,
        });
        context.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Console in Chromium";
}
