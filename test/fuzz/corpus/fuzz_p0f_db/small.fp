classes = a
[tcp:request]
label = s:a:x:y
sig = *:64-:0:*:mss*4,*:mss,sok,ts,nop,ws,eol+1:df,id+:+
[mtu]
label = e
sig = 1500
