using Herald.Log;
using Shop.Brokers;

namespace Shop.Tests.Brokers;

public sealed class BrokerDataDirectoryTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDataDirectory _data = new();

    private string LockFile => Path.Combine(_data.DataDirectory, BrokerDataDirectory.LockFileName);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Lock_Disposed_DeletesTheLockFile()
    {
        using (BrokerDataDirectory.Lock(_data.DataDirectory))
        {
            Assert.True(File.Exists(LockFile));
        }

        Assert.False(File.Exists(LockFile));
    }

    [Fact]
    public void Lock_Held_RefusesASecondShopNamingTheDirectoryAndTheLockFile()
    {
        using var first = BrokerDataDirectory.Lock(_data.DataDirectory);

        var exception = Assert.Throws<LogDirectoryLockedException>(() => BrokerDataDirectory.Lock(_data.DataDirectory));

        Assert.Equal(
            $"The data directory '{_data.DataDirectory}' is in use by another Shop, which holds its .shop.lock locked. Only one Shop may use a data directory at a time; stop the other one or choose another --data.",
            exception.Message);
        Assert.True(File.Exists(LockFile));
    }

    [Fact]
    public void Lock_FileLeftByAProcessThatDied_DoesNotBlock()
    {
        // A killed process leaves the file, but its lock died with it.
        Directory.CreateDirectory(_data.DataDirectory);
        File.WriteAllText(LockFile, string.Empty);

        using (BrokerDataDirectory.Lock(_data.DataDirectory))
        {
            Assert.True(File.Exists(LockFile));
        }

        Assert.False(File.Exists(LockFile));
    }

    [Fact]
    public async Task RunAsync_BrokerDown_LeavesNoLockFile()
    {
        // Port 1 on the loopback refuses at once: nothing listens there.
        var code = await ShopApplication.RunAsync(
            ["--transport", "rabbitmq", "--connection", "amqp://guest:guest@127.0.0.1:1/", "--data", _data.DataDirectory, "--orders", "10"],
            TextWriter.Null,
            TextWriter.Null).WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ShopApplication.BrokerUnreachable, code);
        Assert.True(Directory.Exists(_data.DataDirectory));
        Assert.False(File.Exists(LockFile));
    }
}
