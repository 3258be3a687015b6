using Microsoft.Playwright;
using Yoi.Tests.Processes;

namespace Yoi.Tests.Console;

/// <summary>
/// Screenshots of the console: always written beside the test binaries (<c>screenshots/</c>), and into the
/// repository's <c>docs/images/</c> (the ones the README shows) when <c>YOI_UPDATE_SCREENSHOTS=1</c>.
/// </summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Animations = ScreenshotAnimations.Disabled });
        Assert.True(bytes.Length > 1000 && bytes[0] == 0x89 && bytes[1] == (byte)'P', "Chromium produced no PNG.");
        var local = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(local);
        await File.WriteAllBytesAsync(Path.Combine(local, name), bytes);
        if (Environment.GetEnvironmentVariable("YOI_UPDATE_SCREENSHOTS") == "1")
            await File.WriteAllBytesAsync(Path.Combine(BuiltArtifacts.RepositoryRoot, "docs", "images", name), bytes);
    }
}
