using System.Buffers;
using Pccl.Protocol.Codec;

namespace Pccl.Transport;

/// <summary>
/// Reads length-prefixed frames from a stream. It only fills a buffer; <see cref="FrameParser"/> decides where frames are.
/// The buffer grows to the announced frame size only after the length passed the cap.
/// </summary>
internal sealed class FrameReader(Stream stream, int maxPayload = FrameParser.DefaultMaxPayload) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _start;
    private int _end;

    /// <summary>Returns the next frame's payload (valid until the next call), or null on a clean end of stream between frames.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadFrameAsync(CancellationToken ct)
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            if (FrameParser.TryParse(available, out var length, maxPayload))
            {
                var payload = _buffer.AsMemory(_start + FrameParser.HeaderSize, length);
                _start += FrameParser.HeaderSize + length;
                return payload;
            }

            var needed = length < 0 ? FrameParser.HeaderSize : FrameParser.HeaderSize + length;
            MakeRoom(needed);
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end == _start)
                {
                    return null;
                }

                throw new ProtocolException($"connection closed in the middle of a frame ({_end - _start} bytes of it received)");
            }

            _end += read;
        }
    }

    private void MakeRoom(int frameBytes)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_buffer.Length - _start >= frameBytes && _end < _buffer.Length)
        {
            return;
        }

        var live = _end - _start;
        var target = _buffer;
        if (_buffer.Length < Math.Max(frameBytes, live) + 1)
        {
            target = ArrayPool<byte>.Shared.Rent(Math.Max(frameBytes, live) + 4096);
        }

        Buffer.BlockCopy(_buffer, _start, target, 0, live);
        if (!ReferenceEquals(target, _buffer))
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = target;
        }

        _start = 0;
        _end = live;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
