/**
 * The packet inspector's example messages: a request, a Register with link-format, and responses
 * and notifications in each LwM2M payload format, made with the codec and the content encoders
 * (so they decode as the gateway would have sent or read them), plus one malformed datagram.
 */

/** [label, hex, request path for relative payloads?] */
export const EXAMPLES = [
  ["GET /3/0/0, Accept TLV", "41 01 12 34 7a b1 33 01 30 01 30 62 2d 16"],
  [
    "Register /rd (link-format)",
    "42022a01510cb2726411283a65703d6c616d702d3137066c743d333030096c776d326d3d312e3103623d55ff3c2f3e3b63743d2236302031313020313132203131353432222c3c2f312f303e2c3c2f332f303e2c3c2f333331312f303e",
  ],
  [
    "2.05 Content, TLV of /3/0 (path /3/0)",
    "61452a027ac22d16ffc800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74c1095788070842000ed842011388",
    "/3/0",
  ],
  [
    "Notification, SenML JSON",
    "52452a030b0e610c616eff5b7b22626e223a222f333330332f302f222c226e223a2235373030222c2276223a32322e357d2c7b226e223a2235373031222c227673223a2243656c227d5d",
  ],
  [
    "2.05 Content, SenML CBOR",
    "61452a0411c170ff82a321682f333331312f302f00643538353004f5a2006435383531021850",
  ],
  ["2.05 Content, LwM2M CBOR", "61452a0512c22d18ffa182190cef00a21916daf51916db1850"],
  ["PUT /3311/0/5850 = 1 (text)", "41032a0613b4333331310130043538353010ff31"],
  ["Malformed: token length 9", "49 01 12 34 01 02 03 04 05 06 07 08 09"],
];
