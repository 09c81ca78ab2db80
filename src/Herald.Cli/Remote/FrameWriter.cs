using System.Text;

namespace Herald.Cli.Remote;

/// <summary>A text writer whose text goes to the caller of a served command as frames of one type, a line (or 4 KiB) at a time.</summary>
internal sealed class FrameWriter(Action<byte, string> send, byte type) : TextWriter
{
    private const int FlushAt = 4096;
    private readonly StringBuilder _pending = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock)
        {
            _pending.Append(value);
            if (value == '\n' || _pending.Length >= FlushAt)
            {
                FlushPending();
            }
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            _pending.Append(value);
            if (_pending.Length >= FlushAt || value?.Contains('\n', StringComparison.Ordinal) == true)
            {
                FlushPending();
            }
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        lock (_lock)
        {
            FlushPending();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void FlushPending()
    {
        if (_pending.Length > 0)
        {
            var text = _pending.ToString();
            _pending.Clear();
            send(type, text);
        }
    }
}
