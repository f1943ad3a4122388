; a small database exercising p0f's selection order
classes = unix,win
[mtu]
label = Ethernet
sig = 1500
label = tunnel
sig = 1400
[tcp:request]
label = g:unix:Linux:generic first
sig   = *:64:0:*:*,*:mss:df,id+:0
label = s:unix:linux:specific later
sig   = *:64:0:*:mss*4,0:mss:df,id+:0
label = s:unix:Fuzzy:ttl
sig   = 4:128:0:1000:*,0:mss,nop,eol+2:df,id+:0
sig   = 4:128:0:1000:*,0:mss:df,id+:0
label = s:win:Fuzzy:quirk
sig   = 4:64:0:1000:*,0:mss:df,id+:0
label = s:!:Tool:
sys   = @unix, Windows
sig   = *:64-:0:536:*,0:mss,nop,eol+2::0
label = s:unix:Modulo:
sig   = *:64:0:1200:%1000,0:mss:df,id+:0
label = s:unix:MTU:
sig   = *:64:0:1300:mtu*4,0:mss:df,id+:0
label = s:unix:Payload:
sig   = *:255:0:0:*,*::df,id+:+
label = s:unix:IPopt:
sig   = *:255:4:0:*,*::df,id+:0
label = s:unix:Plus:
sig   = *:60+4:0:0:1,*::df,id+:0
