namespace Yoi.Client;

public sealed class YoiClient;
